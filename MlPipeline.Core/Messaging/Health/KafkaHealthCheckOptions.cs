namespace MlPipeline.Core.Messaging.Health;

public sealed record KafkaHealthCheckOptions
{
    /// <summary>Bound on each broker round trip; the whole check never waits much longer. <value>Default 5 s.</value></summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Topics that must exist; missing ones make the check Degraded.</summary>
    public IReadOnlyList<string> ExpectedTopics { get; init; } = [];

    /// <summary>Consumer groups whose lag is reported.</summary>
    public IReadOnlyList<string> ConsumerGroups { get; init; } = [];
}
