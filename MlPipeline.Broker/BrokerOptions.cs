namespace MlPipeline.Broker;

/// <summary>When appended data is forced to disk.</summary>
public enum FlushPolicy
{
    /// <summary>fsync every <see cref="BrokerOptions.FlushInterval"/> (Kafka's own default leaves it to the OS).</summary>
    Interval,
    /// <summary>fsync before every produce is acknowledged: slowest, loses nothing on power failure.</summary>
    Always,
}

/// <summary>Settings of the embedded broker. Defaults suit a developer machine.</summary>
public sealed class BrokerOptions
{
    /// <summary>Address to listen on. <value>Default 127.0.0.1: never exposed beyond the machine unless asked.</value></summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (reported by the server after start). <value>Default 9092.</value></summary>
    public int Port { get; set; } = 9092;

    /// <summary>Host name advertised in Metadata/FindCoordinator; null means <see cref="Host"/> (or 127.0.0.1 when listening on any address).</summary>
    public string? AdvertisedHost { get; set; }

    public int NodeId { get; set; }

    public string ClusterId { get; set; } = "mlpipeline-embedded";

    /// <summary>Where logs and committed offsets live. Null keeps everything in memory (fast tests).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Partitions of an auto-created topic or a CreateTopics request asking for -1. <value>Default 3.</value></summary>
    public int DefaultPartitions { get; set; } = 3;

    /// <summary>Create a topic when a producer's Metadata request names an unknown one. <value>Default true.</value></summary>
    public bool AutoCreateTopics { get; set; } = true;

    public FlushPolicy FlushPolicy { get; set; } = FlushPolicy.Interval;

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Default retention.ms of a topic; -1 keeps data forever. <value>Default 7 days.</value></summary>
    public long DefaultRetentionMs { get; set; } = (long)TimeSpan.FromDays(7).TotalMilliseconds;

    /// <summary>Default retention.bytes per partition; -1 means no size limit.</summary>
    public long DefaultRetentionBytes { get; set; } = -1;

    /// <summary>Size at which a partition rolls to a new segment file. <value>Default 64 MiB.</value></summary>
    public int SegmentBytes { get; set; } = 64 * 1024 * 1024;

    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest record batch accepted (Kafka's message.max.bytes). <value>Default 1 MiB + 12 bytes, as Kafka.</value></summary>
    public int MaxMessageBytes { get; set; } = 1_048_588;

    /// <summary>Largest request frame accepted; a larger size prefix closes the connection. <value>Default 100 MiB, as Kafka.</value></summary>
    public int MaxRequestBytes { get; set; } = 104_857_600;

    /// <summary>
    /// A connection with no request in flight that sends nothing for this long is closed (Kafka's
    /// connections.max.idle.ms), so clients that vanished without a FIN, and idle sockets of forgotten clients,
    /// do not pile up. Clients reconnect on their next request. <see cref="Timeout.InfiniteTimeSpan"/> never closes.
    /// <value>Default 10 minutes, as Kafka.</value>
    /// </summary>
    public TimeSpan ConnectionsMaxIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most segment files of sealed (no longer appended) segments kept open at once, shared by every partition; the
    /// rest are opened when read. Each partition's active segment is always open. <value>Default 64.</value>
    /// </summary>
    public int MaxOpenSealedSegments { get; set; } = 64;

    /// <summary>Smallest session timeout a group member may ask for. <value>Default 1 s (Kafka: 6 s) so tests can detect dead members quickly.</value></summary>
    public int GroupMinSessionTimeoutMs { get; set; } = 1_000;

    public int GroupMaxSessionTimeoutMs { get; set; } = 1_800_000;
}
