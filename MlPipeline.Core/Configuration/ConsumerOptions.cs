using Confluent.Kafka;

namespace MlPipeline.Core.Configuration;

/// <summary>The <c>consumer:</c> section, mapped onto a Confluent.Kafka <see cref="ConsumerConfig"/>.</summary>
/// <remarks>
/// Offsets are at-least-once: the client never stores an offset on its own (enable.auto.offset.store is always
/// false); the consumer manager stores one only after its message was handled. <see cref="EnableAutoCommit"/>
/// then only decides who commits those STORED offsets: the client in the background, or the manager explicitly.
/// </remarks>
public sealed class ConsumerOptions
{
    /// <summary>Default consumer group (group.id); a stage may use its own group. <value>Default <c>ml-pipeline-consumer-group</c>.</value></summary>
    public string GroupId { get; set; } = "ml-pipeline-consumer-group";

    /// <summary>Where a group without a committed offset starts: earliest or latest (auto.offset.reset).
    /// <value>Default <see cref="Confluent.Kafka.AutoOffsetReset.Earliest"/>.</value></summary>
    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Earliest;

    /// <summary>True: the client commits stored offsets every <see cref="AutoCommitIntervalMs"/>. False: the consumer
    /// manager must call Commit after each handled batch. Either way only handled messages are stored.
    /// <value>Default true.</value></summary>
    public bool EnableAutoCommit { get; set; } = true;

    /// <summary>Milliseconds between background commits of stored offsets (auto.commit.interval.ms). <value>Default 5000.</value></summary>
    public int AutoCommitIntervalMs { get; set; } = 5_000;

    /// <summary>Milliseconds without heartbeats before the group evicts a member (session.timeout.ms). <value>Default 30000.</value></summary>
    public int SessionTimeoutMs { get; set; } = 30_000;

    /// <summary>Milliseconds between heartbeats (heartbeat.interval.ms); must be below the session timeout. <value>Default 3000.</value></summary>
    public int HeartbeatIntervalMs { get; set; } = 3_000;

    /// <summary>librdkafka has no max.poll.records; the consumer manager uses this as the largest batch it handles
    /// before storing offsets (and committing, when auto-commit is off). <value>Default 500.</value></summary>
    public int MaxPollRecords { get; set; } = 500;

    /// <summary>Milliseconds the broker may wait to fill <see cref="FetchMinBytes"/> (fetch.wait.max.ms). <value>Default 500.</value></summary>
    public int FetchMaxWaitMs { get; set; } = 500;

    /// <summary>Bytes the broker should gather before answering a fetch (fetch.min.bytes). <value>Default 1.</value></summary>
    public int FetchMinBytes { get; set; } = 1;

    /// <summary>Most bytes one fetch response may carry (fetch.max.bytes). <value>Default 52428800 (50 MiB).</value></summary>
    public int FetchMaxBytes { get; set; } = 52_428_800;
}
