using Confluent.Kafka;

namespace MlPipeline.Core.Messaging.Health;

public sealed record KafkaHealthCheckOptions
{
    /// <summary>Bound on each broker round trip; the whole check never waits much longer. <value>Default 5 s.</value></summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Topics that must exist; missing ones make the check Degraded.</summary>
    public IReadOnlyList<string> ExpectedTopics { get; init; } = [];

    /// <summary>Consumer groups whose lag is reported.</summary>
    public IReadOnlyList<string> ConsumerGroups { get; init; } = [];

    /// <summary>
    /// Where a group starts on a partition it has not committed on (the consumers' <c>auto.offset.reset</c>): the lag
    /// of such a partition counts from there. Earliest: everything from the low watermark is waiting; Latest: nothing
    /// is. <value>Default <see cref="AutoOffsetReset.Earliest"/>, as <c>consumer.auto_offset_reset</c>.</value>
    /// </summary>
    public AutoOffsetReset UncommittedStartsAt { get; init; } = AutoOffsetReset.Earliest;
}
