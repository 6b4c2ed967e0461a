using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// One consumer scenario on the shared broker: its own single-partition source and dead-letter topics, its own
/// group, a producer and a consumer manager with millisecond retry delays. Disposing stops everything.
/// </summary>
internal sealed class ConsumerTestHarness : IAsyncDisposable
{
    private ConsumerTestHarness(
        MessagingTestBroker broker,
        KafkaConsumerManagerOptions options,
        ILoggerFactory loggerFactory,
        TimeProvider consumerClock,
        bool autoCommit)
    {
        Broker = broker;
        var producerConfig = broker.ProducerConfig();

        // A send to a missing topic fails after this long instead of librdkafka's 30 s.
        producerConfig.TopicMetadataPropagationMaxMs = 200;
        producerConfig.MessageTimeoutMs = 3_000;
        Producer = new KafkaProducerManager(
            producerConfig,
            Serializer,
            TimeProvider.System,
            loggerFactory.CreateLogger<KafkaProducerManager>());
        var consumerConfig = broker.ConsumerConfig();
        consumerConfig.EnableAutoCommit = autoCommit;
        Consumers = new KafkaConsumerManager(
            consumerConfig,
            options with { DeadLetterTopic = DeadLetterTopic },
            Producer,
            Serializer,
            consumerClock,
            loggerFactory);
    }

    public MessagingTestBroker Broker { get; }

    public string Topic { get; } = MessagingTestBroker.UniqueName("source");

    public string DeadLetterTopic { get; } = MessagingTestBroker.UniqueName("dead-letter");

    public string GroupId { get; } = MessagingTestBroker.UniqueName("group");

    public KafkaMessageSerializer Serializer { get; } = new();

    public KafkaMessageFactory Factory { get; } = new(TimeProvider.System);

    public KafkaProducerManager Producer { get; }

    public KafkaConsumerManager Consumers { get; }

    public static KafkaConsumerManagerOptions FastRetries(int maxRetries = 2) => new()
    {
        MaxRetries = maxRetries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        ShutdownGracePeriod = TimeSpan.FromSeconds(5),
    };

    /// <param name="createDeadLetterTopic">False leaves the dead-letter topic missing (on a broker that does not auto-create).</param>
    /// <param name="consumerClock">Clock of the consumer manager (retry delays, grace period); the system clock by default.</param>
    /// <param name="autoCommit">False: librdkafka never commits by itself; the consumer manager commits (see CommitEvery).</param>
    public static async Task<ConsumerTestHarness> CreateAsync(
        MessagingTestBroker broker,
        KafkaConsumerManagerOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        bool createDeadLetterTopic = true,
        TimeProvider? consumerClock = null,
        bool autoCommit = true)
    {
        var harness = new ConsumerTestHarness(
            broker,
            options ?? FastRetries(),
            loggerFactory ?? broker.LoggerFactory,
            consumerClock ?? TimeProvider.System,
            autoCommit);
        await broker.CreateTopicsAsync(createDeadLetterTopic ? [harness.Topic, harness.DeadLetterTopic] : [harness.Topic]);
        return harness;
    }

    public Task<IConsumerSubscription> SubscribeAsync(Func<ConsumedMessage, CancellationToken, Task> handler) =>
        Consumers.StartAsync([Topic], GroupId, handler, CancellationToken.None);

    public async Task<KafkaMessage> SendAsync(string key, JsonObject data)
    {
        var message = Factory.Create(MessageType.RawData, "tests", data);
        await Producer.SendAsync(Topic, message, key, CancellationToken.None);
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        await Consumers.DisposeAsync();
        await Producer.DisposeAsync();
    }
}
