using Confluent.Kafka;

namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// Real Confluent.Kafka clients configured for tests: short timeouts so a broken broker fails a test in
/// seconds instead of hanging it, and librdkafka's logs routed to NUnit's progress output, not stderr.
/// </summary>
public static class KafkaTestClients
{
    public static ProducerConfig ProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = UniqueNames.For("test-producer"),
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = 15_000,
        SocketTimeoutMs = 5_000,
        ApiVersionRequestTimeoutMs = 5_000,
    };

    public static ConsumerConfig ConsumerConfig(string bootstrapServers, string? groupId = null) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = UniqueNames.For("test-consumer"),
        GroupId = groupId ?? UniqueNames.For("unused-group"),
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        SocketTimeoutMs = 5_000,
        FetchWaitMaxMs = 100,
        ApiVersionRequestTimeoutMs = 5_000,
        TopicMetadataRefreshIntervalMs = 1_000,
    };

    public static AdminClientConfig AdminConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = UniqueNames.For("test-admin"),
        SocketTimeoutMs = 5_000,
        ApiVersionRequestTimeoutMs = 5_000,
    };

    public static IProducer<TKey, TValue> BuildProducer<TKey, TValue>(ProducerConfig config) =>
        new ProducerBuilder<TKey, TValue>(config).SetLogHandler(static (_, log) => Log(log)).Build();

    public static IConsumer<TKey, TValue> BuildConsumer<TKey, TValue>(ConsumerConfig config) =>
        new ConsumerBuilder<TKey, TValue>(config).SetLogHandler(static (_, log) => Log(log)).Build();

    public static IAdminClient BuildAdmin(AdminClientConfig config) =>
        new AdminClientBuilder(config).SetLogHandler(static (_, log) => Log(log)).Build();

    private static void Log(LogMessage log) =>
        TestContext.Progress.WriteLine($"[librdkafka {log.Level}] {log.Name} {log.Facility}: {log.Message}");
}
