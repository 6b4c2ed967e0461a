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

    /// <summary>Largest request frame accepted (Kafka's socket.request.max.bytes); a larger size prefix closes the connection,
    /// as Kafka does, since the stream cannot be resynchronised. <value>Default 100 MiB, as Kafka.</value></summary>
    public int MaxRequestBytes { get; set; } = 104_857_600;

    /// <summary>
    /// A connection with no request in flight that sends nothing for this long is closed (Kafka's
    /// connections.max.idle.ms), so clients that vanished without a FIN, and idle sockets of forgotten clients,
    /// do not pile up. Clients reconnect on their next request. <see cref="Timeout.InfiniteTimeSpan"/> never closes.
    /// <value>Default 10 minutes, as Kafka.</value>
    /// </summary>
    public TimeSpan ConnectionsMaxIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most partitions one topic may have (CreateTopics, CreatePartitions, auto-creation); more is answered with
    /// INVALID_PARTITIONS. Every partition costs an open file and memory, so this bounds what one request can take.
    /// <value>Default 256.</value>
    /// </summary>
    public int MaxPartitionsPerTopic { get; set; } = 256;

    /// <summary>
    /// Most partitions of all topics together; a create or grow past it is answered with POLICY_VIOLATION (Kafka's
    /// code for a request its controller refuses as too large). <value>Default 4,096.</value>
    /// </summary>
    public int MaxPartitions { get; set; } = 4_096;

    /// <summary>
    /// Most record bytes in one Fetch response (Kafka's fetch.max.bytes), whatever the request's max_bytes says
    /// (≤ 0 included). As in Kafka the first batch is returned whole even when larger, so a consumer always progresses.
    /// <value>Default 55 MiB, as Kafka.</value>
    /// </summary>
    public int FetchMaxBytes { get; set; } = 55 * 1024 * 1024;

    /// <summary>Most client connections at once; a connection over it is closed as soon as it is accepted (Kafka's
    /// max.connections). <value>Default 1,000.</value></summary>
    public int MaxConnections { get; set; } = 1_000;

    /// <summary>Most connections at once from one client address (Kafka's max.connections.per.ip); every local
    /// client shares 127.0.0.1, so it is generous. <value>Default 500.</value></summary>
    public int MaxConnectionsPerIp { get; set; } = 500;

    /// <summary>
    /// An empty consumer group's committed offsets are removed this long after the group became empty (or, for a
    /// group that never had members, this long after each commit), and the group with them (Kafka's
    /// offsets.retention.minutes). <value>Default 7 days, as Kafka.</value>
    /// </summary>
    public TimeSpan OffsetsRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired group offsets and producer state are looked for. <value>Default 10 minutes, as Kafka's offsets.retention.check.interval.ms.</value></summary>
    public TimeSpan ExpirationCheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A partition forgets an idempotent producer that has not written to it for this long (Kafka's
    /// producer.id.expiration.ms); its next batch is then accepted at any sequence, as from a new producer.
    /// <value>Default 1 day, as Kafka.</value>
    /// </summary>
    public TimeSpan ProducerIdExpiration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Whether clients may create, delete and grow topics (CreateTopics, DeleteTopics, CreatePartitions, and
    /// auto-creation through Metadata). When false they are answered with CLUSTER_AUTHORIZATION_FAILED (auto-creation
    /// with TOPIC_AUTHORIZATION_FAILED) and only the embedding host creates topics, in-process.
    /// <value>Default true (a development default: the first thing to turn off on a shared machine).</value>
    /// </summary>
    public bool AllowClientTopicAdmin { get; set; } = true;

    /// <summary>
    /// Listening on an address other machines can reach is refused unless this is set, because the broker has no
    /// authentication: anyone who reaches it can read, write and delete every topic. <value>Default false.</value>
    /// </summary>
    public bool AllowUnauthenticatedRemote { get; set; }

    /// <summary>
    /// Most segment files of sealed (no longer appended) segments kept open at once, shared by every partition; the
    /// rest are opened when read. Each partition's active segment is always open. <value>Default 64.</value>
    /// </summary>
    public int MaxOpenSealedSegments { get; set; } = 64;

    /// <summary>Smallest session timeout a group member may ask for. <value>Default 1 s (Kafka: 6 s) so tests can detect dead members quickly.</value></summary>
    public int GroupMinSessionTimeoutMs { get; set; } = 1_000;

    public int GroupMaxSessionTimeoutMs { get; set; } = 1_800_000;
}
