using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Observability;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// Starts consumer subscriptions with the pipeline's delivery rules built in: at-least-once (an offset is
/// stored only after its handler succeeded or the message was dead-lettered), bounded retries with
/// exponential backoff, dead-lettering, and draining on stop. Keeps every subscription it started so health
/// checks can see a faulted one and disposal stops them all.
/// </summary>
public sealed class KafkaConsumerManager : IAsyncDisposable
{
    private readonly ConsumerConfig baseConfig;
    private readonly KafkaConsumerManagerOptions options;
    private readonly KafkaMessageSerializer serializer;
    private readonly TimeProvider timeProvider;
    private readonly ILoggerFactory loggerFactory;
    private readonly DeadLetterPublisher deadLetters;
    private readonly IMessageFlowObserver flowObserver;
    private readonly Lock subscriptionsLock = new();
    private readonly List<ConsumerSubscription> subscriptions = [];

    /// <param name="baseConfig">Client settings shared by all subscriptions; not modified.</param>
    /// <param name="deadLetterProducer">The process's producer, used to park failed messages.</param>
    /// <param name="flowObserver">Told about every message each subscription consumes, handles, retries or dead-letters.</param>
    public KafkaConsumerManager(
        ConsumerConfig baseConfig,
        KafkaConsumerManagerOptions options,
        KafkaProducerManager deadLetterProducer,
        KafkaMessageSerializer serializer,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IMessageFlowObserver? flowObserver = null)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.baseConfig = baseConfig;
        this.options = options;
        this.serializer = serializer;
        this.timeProvider = timeProvider;
        this.loggerFactory = loggerFactory;
        this.flowObserver = flowObserver ?? NullMessageFlowObserver.Instance;
        deadLetters = new DeadLetterPublisher(
            deadLetterProducer,
            options,
            timeProvider,
            loggerFactory.CreateLogger<DeadLetterPublisher>());
    }

    /// <summary>
    /// Where a handler parks what it refuses of a record it otherwise handles (a bad row of a chunk): the same
    /// publisher, retries and <c>dlq_*</c> headers as for records a handler fails on.
    /// </summary>
    public DeadLetterPublisher DeadLetters => deadLetters;

    /// <summary>Every subscription started and not yet disposed, whatever its state.</summary>
    public IReadOnlyList<IConsumerSubscription> Subscriptions
    {
        get
        {
            lock (subscriptionsLock)
            {
                return [.. subscriptions];
            }
        }
    }

    /// <summary>
    /// Joins <paramref name="groupId"/> (or the configured group) on <paramref name="topics"/> and feeds each
    /// message to <paramref name="handler"/> on background lanes: the records of one partition one at a time and in
    /// order, different partitions concurrently, at most <see cref="KafkaConsumerManagerOptions.MaxConcurrentHandlers"/>
    /// at once — so the handler must be safe to call concurrently for different partitions. Returns once subscribed.
    /// </summary>
    public Task<IConsumerSubscription> StartAsync(
        IReadOnlyCollection<string> topics,
        string? groupId,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        CancellationToken cancellationToken) =>
        StartAsync(topics, groupId, handler, prefetch: 1, cancellationToken);

    /// <summary>
    /// Like <see cref="StartAsync(IReadOnlyCollection{string}, string?, Func{ConsumedMessage, CancellationToken, Task}, CancellationToken)"/>,
    /// but up to <paramref name="prefetch"/> records (or <see cref="KafkaConsumerManagerOptions.MaxConcurrentHandlers"/>, when
    /// that is larger) may be fetched and not yet finished, so a fast handler is not paced by one thread hand-off per record. Handlers stay
    /// bounded by MaxConcurrentHandlers, handling and offset storing stay strictly in order per partition, and records
    /// fetched ahead for a partition that is revoked are dropped, not handled: the new owner reads them.
    /// </summary>
    public async Task<IConsumerSubscription> StartAsync(
        IReadOnlyCollection<string> topics,
        string? groupId,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        int prefetch,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(handler);
        if (topics.Count == 0 || topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one topic, none blank, is required.", nameof(topics));
        }

        var config = new ConsumerConfig(baseConfig.ToDictionary(pair => pair.Key, pair => pair.Value))
        {
            GroupId = groupId ?? baseConfig.GroupId
                ?? throw new ArgumentException("No group id given and none configured.", nameof(groupId)),

            // The heart of at-least-once: librdkafka must not mark a record done when it hands it out,
            // only when we StoreOffset after handling. Auto-commit then only ever commits handled work.
            EnableAutoOffsetStore = false,
        };
        config.EnableAutoCommit ??= true;

        var logger = loggerFactory.CreateLogger<KafkaConsumerManager>();
        var processor = new ConsumedMessageProcessor(
            handler, serializer, deadLetters, options, timeProvider, logger, config.GroupId, flowObserver);
        var subscription = new ConsumerSubscription(config, topics.ToArray(), processor, options, timeProvider, logger, prefetch);
        lock (subscriptionsLock)
        {
            subscriptions.Add(subscription);
        }

        await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    /// <summary>
    /// A stage's whole consumer life: subscribes, handles until <paramref name="stoppingToken"/> is cancelled, then
    /// stops the subscription (it drains and commits) and returns. A cancellation before the subscription started
    /// throws <see cref="OperationCanceledException"/>, as <see cref="StartAsync(IReadOnlyCollection{string}, string?, Func{ConsumedMessage, CancellationToken, Task}, int, CancellationToken)"/> does.
    /// </summary>
    public async Task ConsumeUntilStoppedAsync(
        IReadOnlyCollection<string> topics,
        string? groupId,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        int prefetch,
        CancellationToken stoppingToken)
    {
        var subscription = await StartAsync(topics, groupId, handler, prefetch, stoppingToken).ConfigureAwait(false);
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stoppingToken.Register(() => stopRequested.TrySetResult()).ConfigureAwait(false))
        {
            await stopRequested.Task.ConfigureAwait(false);
        }

        await subscription.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Stops every subscription (each drains and commits), in parallel.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(Subscriptions.Select(subscription => subscription.StopAsync(cancellationToken))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<ConsumerSubscription> toDispose;
        lock (subscriptionsLock)
        {
            toDispose = [.. subscriptions];
            subscriptions.Clear();
        }

        foreach (var subscription in toDispose)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
