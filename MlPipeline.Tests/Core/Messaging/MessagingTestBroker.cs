using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// The shared <see cref="EmbeddedBrokerFixture"/> (single-partition topics by default) plus client settings tuned for fast tests (short sessions, quick
/// auto-commit). Every test asks it for unique topic and group names so tests can share one broker.
/// </summary>
internal sealed class MessagingTestBroker : IAsyncDisposable
{
    private readonly EmbeddedBrokerFixture fixture;

    private MessagingTestBroker(EmbeddedBrokerFixture fixture, ILoggerFactory loggerFactory)
    {
        this.fixture = fixture;
        LoggerFactory = loggerFactory;
    }

    public string BootstrapServers => fixture.BootstrapServers;

    public ILoggerFactory LoggerFactory { get; }

    public static async Task<MessagingTestBroker> StartAsync(bool autoCreateTopics = true)
    {
        // MESSAGING_TEST_LOG=Debug (or Information) shows what the clients and broker did while a test failed.
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("MESSAGING_TEST_LOG"), out var configured)
            ? configured
            : LogLevel.Warning;
        var loggerFactory = NUnitProgressLoggerProvider.CreateFactory(level);
        var fixture = await EmbeddedBrokerFixture.StartAsync(options =>
        {
            options.AutoCreateTopics = autoCreateTopics;
            options.DefaultPartitions = 1;
        });
        return new MessagingTestBroker(fixture, loggerFactory);
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        ClientId = "messaging-tests",
        LingerMs = 1,
        MessageTimeoutMs = 10_000,
    };

    public ConsumerConfig ConsumerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        AutoCommitIntervalMs = 200,
        Debug = Environment.GetEnvironmentVariable("MESSAGING_TEST_KAFKA_DEBUG"),
    };

    public AdminClientConfig AdminConfig() => new() { BootstrapServers = BootstrapServers };

    public TopicAdministrator CreateAdministrator() =>
        new(AdminConfig(), LoggerFactory.CreateLogger<TopicAdministrator>(), TimeSpan.FromSeconds(5));

    /// <summary>Creates single-partition topics so tests can read them back in order.</summary>
    public async Task CreateTopicsAsync(params string[] names)
    {
        using var administrator = CreateAdministrator();
        await administrator.EnsureTopicsAsync(names.Select(name => new TopicSpec(name, Partitions: 1)), CancellationToken.None);
    }

    /// <summary>
    /// Reads partition 0 of <paramref name="topic"/> from the start until <paramref name="count"/> records arrived
    /// or <paramref name="timeout"/> passed (no group: assigned directly).
    /// </summary>
    public Task<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>> ReadPartitionZeroAsync(string topic, int count, TimeSpan timeout) =>
        Task.Run<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>>(() =>
        {
            var config = ConsumerConfig();
            config.GroupId = UniqueName("reader");
            config.EnableAutoCommit = false;
            using var reader = new ConsumerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
            reader.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            var records = new List<ConsumeResult<byte[]?, byte[]?>>();
            var deadline = Stopwatch.StartNew();
            while (records.Count < count && deadline.Elapsed < timeout)
            {
                // Short consume calls so the loop notices the deadline; a null result just means "nothing yet".
                if (reader.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                {
                    records.Add(record);
                }
            }

            reader.Close();
            return records;
        });

    /// <summary>The group's committed offset of partition 0 (-1001 when none).</summary>
    public async Task<long> CommittedOffsetAsync(string groupId, string topic)
    {
        using var admin = new AdminClientBuilder(AdminConfig()).SetLogHandler((_, _) => { }).Build();
        var results = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(groupId, [new TopicPartition(topic, 0)])]);
        return results.Single().Partitions.Single().Offset.Value;
    }

    public async ValueTask DisposeAsync()
    {
        await fixture.DisposeAsync();
        LoggerFactory.Dispose();
    }
}
