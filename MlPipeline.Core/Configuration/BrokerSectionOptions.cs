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

    /// <summary>Most partitions one topic may have; more is refused with INVALID_PARTITIONS. <value>Default 256.</value></summary>
    public int MaxPartitionsPerTopic { get; set; } = 256;

    /// <summary>Most partitions of all topics together; more is refused with POLICY_VIOLATION. <value>Default 4096.</value></summary>
    public int MaxPartitions { get; set; } = 4_096;

    /// <summary>Most record bytes in one fetch response, whatever the client asks (Kafka's fetch.max.bytes). <value>Default 57671680 (55 MiB).</value></summary>
    public int FetchMaxBytes { get; set; } = 55 * 1024 * 1024;

    /// <summary>Most client connections at once (Kafka's max.connections). <value>Default 1000.</value></summary>
    public int MaxConnections { get; set; } = 1_000;

    /// <summary>Most connections at once from one client address (Kafka's max.connections.per.ip). <value>Default 500.</value></summary>
    public int MaxConnectionsPerIp { get; set; } = 500;

    /// <summary>Largest request frame a client may send (Kafka's socket.request.max.bytes). <value>Default 104857600 (100 MiB).</value></summary>
    public int SocketRequestMaxBytes { get; set; } = 104_857_600;

    /// <summary>Minutes an empty consumer group keeps its committed offsets (Kafka's offsets.retention.minutes). <value>Default 10080 (7 days).</value></summary>
    public int OffsetsRetentionMinutes { get; set; } = 10_080;

    /// <summary>Milliseconds an idle idempotent producer's state is kept (Kafka's producer.id.expiration.ms). <value>Default 86400000 (1 day).</value></summary>
    public long ProducerIdExpirationMs { get; set; } = 86_400_000;

    /// <summary>Whether clients may create, delete and grow topics; the pipeline's own topics are created either way.
    /// <value>Default true; the first thing to turn off on a shared machine.</value></summary>
    public bool AllowClientTopicAdmin { get; set; } = true;

    /// <summary>Allow a <see cref="Host"/> other machines can reach although the broker has no authentication. <value>Default false.</value></summary>
    public bool AllowUnauthenticatedRemote { get; set; }

    /// <summary>How long start-up and health checks wait for a broker before reporting it unreachable; also the
    /// clients' connection set-up timeout. <value>Default 10.</value></summary>
    public int StartupTimeoutSeconds { get; set; } = 10;
}
