using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// One consumer, two loops. A dedicated thread owns the <see cref="IConsumer{TKey,TValue}"/> and runs the
/// blocking Consume calls (plus subscribe, rebalance callbacks, the final commit and Close); an async loop
/// runs the handler. They hand over one record at a time: the thread fetches the next record only after the
/// previous one was handled and its offset stored. So offsets are stored strictly in order, a rebalance
/// (which librdkafka only runs inside Consume) never finds a half-handled record, and committing on
/// revocation commits exactly what is done.
/// </summary>
internal sealed class ConsumerSubscription : IConsumerSubscription
{
    private readonly IConsumer<byte[]?, byte[]?> consumer;
    private readonly ConsumedMessageProcessor processor;
    private readonly KafkaConsumerManagerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;

    // Cancelled to stop fetching.
    private readonly CancellationTokenSource stopping = new();

    // Cancelled to abandon the in-flight handler: after the grace period, or at once on a fatal error.
    private readonly CancellationTokenSource abandonHandler = new();

    // Released by the processor when the consume thread may fetch again (see the class comment). With a prefetch
    // above 1 the thread may run that many records ahead of the handler (see KafkaConsumerManager.StartAsync).
    private readonly SemaphoreSlim fetchPermit;
    private readonly Channel<ConsumeResult<byte[]?, byte[]?>> handoff =
        Channel.CreateUnbounded<ConsumeResult<byte[]?, byte[]?>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    // The consume thread waits on this (it is a plain thread, not async) before the final commit.
    private readonly ManualResetEventSlim processorFinished = new(false);
    private readonly TaskCompletionSource processed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // With auto-commit off, the consume thread commits itself (see CommitIfDue); null while librdkafka auto-commits.
    private readonly int? commitEvery;

    // Offsets stored since the last commit; written by the processor, read and reset by the consume thread.
    private int storedSinceCommit;

    // How long Consume blocks before the consume thread treats the consumer as idle and commits (auto-commit off).
    private static readonly TimeSpan IdleCommitAfter = TimeSpan.FromMilliseconds(500);

    private int state = (int)ConsumerSubscriptionState.Starting;
    private Exception? fault;
    private int disposed;

    public ConsumerSubscription(
        ConsumerConfig config,
        IReadOnlyCollection<string> topics,
        ConsumedMessageProcessor processor,
        KafkaConsumerManagerOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        int prefetch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        fetchPermit = new SemaphoreSlim(prefetch, prefetch);
        GroupId = config.GroupId;
        Topics = topics;
        this.processor = processor;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        commitEvery = config.EnableAutoCommit == false ? options.CommitEvery : null;
        consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetPartitionsAssignedHandler((_, partitions) =>
                logger.LogInformation("Group {GroupId} assigned {Partitions}", GroupId, string.Join(", ", partitions)))
            .SetPartitionsRevokedHandler((_, partitions) => OnPartitionsRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) =>
                logger.LogWarning(
                    "Group {GroupId} lost {Partitions}; their uncommitted messages will be redelivered",
                    GroupId,
                    string.Join(", ", partitions)))
            .Build();
    }

    public string GroupId { get; }

    public IReadOnlyCollection<string> Topics { get; }

    public ConsumerSubscriptionState State => (ConsumerSubscriptionState)Volatile.Read(ref state);

    public Exception? Fault => Volatile.Read(ref fault);

    public Task Completion => completion.Task;

    /// <summary>Starts both loops and returns once the consumer has subscribed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(ProcessLoopAsync, CancellationToken.None);
        var thread = new Thread(RunConsumeThread) { IsBackground = true, Name = $"kafka-consume-{GroupId}" };
        thread.Start();
        await subscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        TransitionTo(ConsumerSubscriptionState.Stopping, from: ConsumerSubscriptionState.Running);
        TransitionTo(ConsumerSubscriptionState.Stopping, from: ConsumerSubscriptionState.Starting);
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await processed.Task.WaitAsync(options.ShutdownGracePeriod, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Group {GroupId}: handler still busy after {GracePeriod}; cancelling it", GroupId, options.ShutdownGracePeriod);
            await abandonHandler.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await abandonHandler.CancelAsync().ConfigureAwait(false);
        }

        await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        stopping.Dispose();
        abandonHandler.Dispose();
        fetchPermit.Dispose();
        processorFinished.Dispose();
    }

    private void RunConsumeThread()
    {
        try
        {
            consumer.Subscribe(Topics);
            TransitionTo(ConsumerSubscriptionState.Running, from: ConsumerSubscriptionState.Starting);
            subscribed.TrySetResult();
            FetchUntilStopped();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            logger.LogDebug("Group {GroupId} stopped fetching on request", GroupId);
        }
        catch (Exception exception)
        {
            MarkFaulted(exception);
        }
        finally
        {
            subscribed.TrySetResult();
            handoff.Writer.TryComplete();
            processorFinished.Wait();
            CommitAndLeave();
            if (State != ConsumerSubscriptionState.Faulted)
            {
                Volatile.Write(ref state, (int)ConsumerSubscriptionState.Stopped);
            }

            completion.TrySetResult();
        }
    }

    private void FetchUntilStopped()
    {
        while (!stopping.IsCancellationRequested)
        {
            fetchPermit.Wait(stopping.Token);
            CommitIfDue(idle: false);
            ConsumeResult<byte[]?, byte[]?>? record;
            try
            {
                if (commitEvery is null)
                {
                    record = consumer.Consume(stopping.Token);
                }
                else
                {
                    // Wake up now and then so handled offsets are committed while no new messages arrive.
                    record = consumer.Consume(IdleCommitAfter);
                    if (record is null)
                    {
                        CommitIfDue(idle: true);
                    }
                }
            }
            catch (ConsumeException exception) when (!exception.Error.IsFatal)
            {
                // E.g. a subscribed topic that does not exist yet: librdkafka keeps going, and so do we.
                logger.LogWarning("Group {GroupId} consume error {Code}: {Reason}", GroupId, exception.Error.Code, exception.Error.Reason);
                fetchPermit.Release();
                continue;
            }

            if (record is null || record.IsPartitionEOF)
            {
                fetchPermit.Release();
                continue;
            }

            handoff.Writer.TryWrite(record);
        }
    }

    private async Task ProcessLoopAsync()
    {
        try
        {
            await foreach (var record in handoff.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    await processor.ProcessAsync(record, abandonHandler.Token).ConfigureAwait(false);
                    StoreOffset(record);
                }
                catch (OperationCanceledException) when (abandonHandler.IsCancellationRequested)
                {
                    logger.LogWarning(
                        "Group {GroupId}: handling of {Position} was cancelled by shutdown; it will be redelivered",
                        GroupId,
                        record.TopicPartitionOffset);
                }
                catch (Exception exception)
                {
                    // Only a bug gets here (handler and dead-letter failures are dealt with inside). Skipping the
                    // record would lose it once a later offset is stored, so stop the subscription instead.
                    MarkFaulted(exception);
                    await stopping.CancelAsync().ConfigureAwait(false);
                }
                finally
                {
                    fetchPermit.Release();
                }
            }
        }
        finally
        {
            processorFinished.Set();
            processed.TrySetResult();
        }
    }

    private void StoreOffset(ConsumeResult<byte[]?, byte[]?> record)
    {
        try
        {
            // Stores offset + 1 ("next to read"); auto-commit and the commits below then send it to the broker.
            consumer.StoreOffset(record);
            Interlocked.Increment(ref storedSinceCommit);
        }
        catch (KafkaException exception)
        {
            // The partition was revoked or lost while the record was being handled: its new owner will get it again.
            logger.LogWarning(
                "Group {GroupId}: could not store offset of {Position} ({Reason}); it will be redelivered",
                GroupId,
                record.TopicPartitionOffset,
                exception.Error.Reason);
        }
    }

    /// <summary>
    /// Runs on the consume thread while the processor is idle (it holds the fetch permit), so a commit never races a
    /// handler. Commits once <c>commitEvery</c> offsets are stored, or any stored offset when the consumer is idle.
    /// </summary>
    private void CommitIfDue(bool idle)
    {
        if (commitEvery is not { } every)
        {
            return;
        }

        int stored = Volatile.Read(ref storedSinceCommit);
        if (stored >= every || (idle && stored > 0))
        {
            CommitStoredOffsets();
        }
    }

    private void OnPartitionsRevoked(List<TopicPartitionOffset> partitions)
    {
        logger.LogInformation("Group {GroupId} revoked {Partitions}; committing handled offsets", GroupId, string.Join(", ", partitions));
        CommitStoredOffsets();
    }

    private void CommitAndLeave()
    {
        try
        {
            if (State != ConsumerSubscriptionState.Faulted)
            {
                CommitStoredOffsets();
                // Close leaves the group at once (no session-timeout wait for the others) and must precede Dispose.
                consumer.Close();
            }
        }
        catch (KafkaException exception)
        {
            logger.LogError(exception, "Group {GroupId}: closing the consumer failed", GroupId);
        }
        finally
        {
            consumer.Dispose();
        }
    }

    private void CommitStoredOffsets()
    {
        try
        {
            Interlocked.Exchange(ref storedSinceCommit, 0);
            var committed = consumer.Commit();
            logger.LogDebug("Group {GroupId} committed {Offsets}", GroupId, string.Join(", ", committed));
        }
        catch (KafkaException exception) when (exception.Error.Code == ErrorCode.Local_NoOffset)
        {
            logger.LogDebug("Group {GroupId}: nothing handled since the last commit", GroupId);
        }
        catch (KafkaException exception)
        {
            // Not fatal for delivery: uncommitted messages are redelivered, and handlers are idempotent.
            logger.LogWarning("Group {GroupId}: commit failed: {Reason}", GroupId, exception.Error.Reason);
        }
    }

    private void OnClientError(Error error)
    {
        KafkaClientLogging.LogError(logger, GroupId, error);
        if (error.IsFatal)
        {
            MarkFaulted(new KafkaException(error));
            stopping.Cancel();
        }
    }

    private void MarkFaulted(Exception exception)
    {
        if (Interlocked.CompareExchange(ref fault, exception, null) is null)
        {
            logger.LogCritical(exception, "Consumer of group {GroupId} on {Topics} faulted and stopped", GroupId, string.Join(", ", Topics));
        }

        Volatile.Write(ref state, (int)ConsumerSubscriptionState.Faulted);
        subscribed.TrySetException(exception);

        // No commit is possible any more, so do not keep a handler running for nothing.
        abandonHandler.Cancel();
    }

    private void TransitionTo(ConsumerSubscriptionState next, ConsumerSubscriptionState from) =>
        Interlocked.CompareExchange(ref state, (int)next, (int)from);
}
