using Confluent.Kafka;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// The Confluent.Kafka settings of every benchmark client, in one place so the report can print exactly
/// what was measured. Producers always follow the pipeline's delivery rule (idempotent, acks=all).
/// </summary>
public static class KafkaClientSettings
{
    /// <summary>
    /// Throughput producer: big batches and deep queues so the client never waits on itself. linger 5 ms lets
    /// a batch fill to batch.size (~9,000 records of 100 bytes) between requests; idempotence caps in-flight
    /// requests at 5, so the broker's per-request cost decides the rate once batches are full.
    /// </summary>
    public static ProducerConfig ThroughputProducer(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = "bench-producer",
        EnableIdempotence = true,
        Acks = Acks.All,
        MaxInFlight = 5,
        LingerMs = 5,
        BatchSize = 1_000_000,
        BatchNumMessages = 100_000,
        QueueBufferingMaxMessages = 2_000_000,
        QueueBufferingMaxKbytes = 2 * 1024 * 1024,
        CompressionType = CompressionType.None,
        // Only the error matters to the benchmark; skipping key/value/timestamp marshalling saves a copy per message.
        DeliveryReportFields = "none",
    };

    /// <summary>
    /// Latency producer: same guarantees, but linger 1 ms so a message at a moderate rate leaves almost at once.
    /// </summary>
    public static ProducerConfig LatencyProducer(string bootstrapServers)
    {
        var config = ThroughputProducer(bootstrapServers);
        config.ClientId = "bench-latency-producer";
        config.LingerMs = 1;
        return config;
    }

    /// <summary>
    /// Throughput consumer (assign mode, no group protocol, no commits): large fetches and a deep local queue
    /// so librdkafka's fetcher runs ahead of Consume(); fetch.wait.max.ms only matters when caught up.
    /// </summary>
    public static ConsumerConfig ThroughputConsumer(string bootstrapServers, string clientId) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = clientId,
        // librdkafka wants a group id even in assign mode; with Assign() no group is ever joined.
        GroupId = "bench-" + clientId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnablePartitionEof = false,
        FetchMaxBytes = 64 * 1024 * 1024,
        MaxPartitionFetchBytes = 8 * 1024 * 1024,
        FetchMinBytes = 1,
        FetchWaitMaxMs = 100,
        QueuedMinMessages = 1_000_000,
        QueuedMaxMessagesKbytes = 512 * 1024,
        // Key and value are always returned; headers, timestamp and topic name are not needed here.
        ConsumeResultFields = "none",
    };

    /// <summary>Latency consumer: as the throughput one; the broker answers a parked fetch as soon as data is appended.</summary>
    public static ConsumerConfig LatencyConsumer(string bootstrapServers) => ThroughputConsumer(bootstrapServers, "bench-latency-consumer");

    /// <summary>The settings as "key=value" pairs, minus the address, for the report.</summary>
    public static string Describe(IEnumerable<KeyValuePair<string, string>> config) =>
        string.Join(' ', config.Where(c => c.Key is not ("bootstrap.servers" or "client.id" or "group.id")).Select(c => $"{c.Key}={c.Value}"));

    /// <summary>librdkafka logs of warning level or worse go to stderr, prefixed; the chatter below warning is dropped.</summary>
    public static void LogWarnings(LogMessage message)
    {
        if (message.Level <= SyslogLevel.Warning) Console.Error.WriteLine($"[librdkafka {message.Name}] {message.Level}: {message.Message}");
    }
}
