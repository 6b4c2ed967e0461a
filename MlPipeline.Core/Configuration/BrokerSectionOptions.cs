namespace MlPipeline.Core.Configuration;

/// <summary>The <c>broker:</c> section (ours, not in the original guide): embedded broker settings and the
/// topic defaults used when the pipeline creates its topics.</summary>
public sealed class BrokerSectionOptions
{
    /// <summary>embedded or external. <value>Default <see cref="BrokerMode.Embedded"/>.</value></summary>
    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>Port the embedded broker listens on; 0 picks a free one. <value>Default 9092.</value></summary>
    public int Port { get; set; } = 9092;

    /// <summary>Address the embedded broker listens on. <value>Default 127.0.0.1: not reachable from other machines.</value></summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Directory of the embedded broker's log and offsets; relative to the working directory. <value>Default <c>data/broker</c>.</value></summary>
    public string DataDir { get; set; } = "data/broker";

    /// <summary>Partitions of topics the pipeline (or auto-creation) creates. <value>Default 3.</value></summary>
    public int Partitions { get; set; } = 3;

    /// <summary>Replication factor of created topics; the embedded broker is one node, so it must be 1 there. <value>Default 1.</value></summary>
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>retention.ms of created topics; -1 keeps data forever. <value>Default 604800000 (7 days).</value></summary>
    public long RetentionMs { get; set; } = 604_800_000;

    /// <summary>When the embedded broker fsyncs: interval or always. <value>Default <see cref="BrokerFlushPolicy.Interval"/>.</value></summary>
    public BrokerFlushPolicy Flush { get; set; } = BrokerFlushPolicy.Interval;

    /// <summary>The embedded broker closes a connection that sent no request for this many milliseconds (Kafka's
    /// connections.max.idle.ms); -1 never closes one. <value>Default 600000 (10 minutes), as Kafka.</value></summary>
    public int ConnectionsMaxIdleMs { get; set; } = 600_000;

    /// <summary>How long start-up and health checks wait for a broker before reporting it unreachable; also the
    /// clients' connection set-up timeout. <value>Default 10.</value></summary>
    public int StartupTimeoutSeconds { get; set; } = 10;
}
