using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// One consumer, one fetching thread, one handling lane per partition. A dedicated thread owns the
/// <see cref="IConsumer{TKey,TValue}"/> and runs the blocking Consume calls (plus subscribe, rebalance callbacks, the
/// final commit and Close); it routes each record to its partition's <see cref="PartitionLane"/>. Lanes run side by
/// side, at most <see cref="KafkaConsumerManagerOptions.MaxConcurrentHandlers"/> handlers at once, but each lane
/// handles its records one after the other and stores their offsets in order, so within a partition nothing runs
/// concurrently and nothing is stored before everything before it was handled. The thread fetches while fewer than
/// the fetch window (the larger of that bound and the prefetch) records are unfinished, so a slow record holds up only
/// its own partition — but a slow partition whose backlog fills the whole window does hold up the fetch of the others.
/// A rebalance (which librdkafka only runs inside Consume, on this thread) drops what the revoked partitions still
/// had queued, waits for their running handlers (at most the grace period) and only then commits, so the committed
/// offsets are exactly the work done and the new owner neither loses nor repeats committed work. A handler running
/// longer than max.poll.interval.ms stops the polling, so the member leaves the group as Kafka intends.
/// </summary>
internal sealed class ConsumerSubscription : IConsumerSubscription
{
    private readonly IConsumer<byte[]?, byte[]?> consumer;
    private readonly KafkaConsumerManagerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;

    // Cancelled to stop fetching.
    private readonly CancellationTokenSource stopping = new();

    // Cancelled to abandon every running handler: after the grace period, or at once on a fatal error.
    private readonly CancellationTokenSource abandonHandler = new();

    private readonly PartitionDispatcher dispatcher;

    // Set once every lane drained on stop (or gave up after the grace period).
    private readonly TaskCompletionSource processed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // With auto-commit off, the subscription commits itself (CommitIfEnoughStored, CommitIfIdle); null while librdkafka
    // auto-commits.
    private readonly int? commitEvery;

    // Offsets stored since the last commit; counted by the lanes, reset by whoever commits.
    private int storedSinceCommit;

    // librdkafka's max.poll.interval.ms default, for a config that does not set it.
    private const int DefaultMaxPollIntervalMs = 300_000;

    // How often the consume thread looks again whether an overdue handler has finished (see WaitWhileAHandlerIsOverdue).
    private static readonly TimeSpan OverdueRecheck = TimeSpan.FromMilliseconds(250);

    // max.poll.interval.ms (performance.processing_timeout_seconds): the longest a handler may run before this member
    // must leave the group.
    private readonly TimeSpan maxPollInterval;

    // When the consume thread next looks for an overdue handler (TimeProvider timestamp; consume thread only): at most
    // every OverdueRecheck, so a busy consumer does not walk its lanes once per record.
    private long nextOverdueCheck;

    // How long Consume blocks before the consume thread looks around: commits if idle (auto-commit off), checks for an
    // overdue handler.
    private static readonly TimeSpan IdleWakeUp = TimeSpan.FromMilliseconds(500);

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
        GroupId = config.GroupId;
        Topics = topics;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        commitEvery = config.EnableAutoCommit == false ? options.CommitEvery : null;
        maxPollInterval = TimeSpan.FromMilliseconds(config.MaxPollIntervalMs ?? DefaultMaxPollIntervalMs);
        consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetPartitionsAssignedHandler((_, partitions) =>
                logger.LogInformation("Group {GroupId} assigned {Partitions}", GroupId, string.Join(", ", partitions)))
            .SetPartitionsRevokedHandler((_, partitions) => OnPartitionsRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => OnPartitionsLost(partitions))
            .Build();

        // The window is what may be fetched ahead; the prefetch lets one partition's fast handler run ahead of the
        // hand-off, while the handlers themselves stay bounded by MaxConcurrentHandlers.
        dispatcher = new PartitionDispatcher(
            processor,
            options.MaxConcurrentHandlers,
            fetchWindow: Math.Max(prefetch, options.MaxConcurrentHandlers),
            StoreOffset,
            CommitIfEnoughStored,
            OnHandlerFault,
            logger,
            GroupId,
            timeProvider,
            abandonHandler.Token);
    }

    public string GroupId { get; }

    public IReadOnlyCollection<string> Topics { get; }

    public ConsumerSubscriptionState State => (ConsumerSubscriptionState)Volatile.Read(ref state);

    public Exception? Fault => Volatile.Read(ref fault);

    public Task Completion => completion.Task;

    /// <summary>Starts the consume thread and returns once the consumer has subscribed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
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
            logger.LogWarning("Group {GroupId}: handlers still busy after {GracePeriod}; cancelling them", GroupId, options.ShutdownGracePeriod);
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

            // Unbounded here: StopAsync (or a fault) cancels the handlers once the grace period is over.
            WaitOnConsumeThread(dispatcher.DrainAsync());
            processed.TrySetResult();
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
            WaitWhileAHandlerIsOverdue();
            dispatcher.WaitForRoom(stopping.Token);
            ConsumeResult<byte[]?, byte[]?>? record;
            try
            {
                // Wake up now and then while no new messages arrive: to commit handled offsets (auto-commit off) and to
                // notice an overdue handler (a Consume blocking until a message came would count as polling forever).
                record = consumer.Consume(IdleWakeUp);
                if (record is null && commitEvery is not null)
                {
                    CommitIfIdle();
                }
            }
            catch (ConsumeException exception) when (!exception.Error.IsFatal)
            {
                // E.g. a subscribed topic that does not exist yet: librdkafka keeps going, and so do we.
                logger.LogWarning("Group {GroupId} consume error {Code}: {Reason}", GroupId, exception.Error.Code, exception.Error.Reason);
                dispatcher.ReturnRoom();
                continue;
            }

            if (record is null || record.IsPartitionEOF)
            {
                dispatcher.ReturnRoom();
                continue;
            }

            dispatcher.Dispatch(record);
        }
    }

    /// <summary>
    /// A handler stuck longer than max.poll.interval.ms must cost this member its place in the group, so its partitions
    /// move to a member that can make progress (the contract of performance.processing_timeout_seconds). With one
    /// record at a time the blocked consume thread did that by itself; with lanes it keeps fetching for the others, so
    /// it stops polling on purpose: librdkafka then leaves the group, and the next Consume after the handler finished
    /// rejoins (the lost partitions' lanes are retired as usual).
    /// </summary>
    private void WaitWhileAHandlerIsOverdue()
    {
        long now = timeProvider.GetTimestamp();
        if (now < nextOverdueCheck)
        {
            return;
        }

        nextOverdueCheck = now + (long)(OverdueRecheck.TotalSeconds * timeProvider.TimestampFrequency);
        if (dispatcher.LongestRunningHandler < maxPollInterval)
        {
            return;
        }

        logger.LogWarning(
            "Group {GroupId}: a handler has run longer than max.poll.interval.ms ({Limit}); not polling until it finishes, so this member leaves the group",
            GroupId,
            maxPollInterval);
        while (!stopping.IsCancellationRequested && dispatcher.LongestRunningHandler >= maxPollInterval)
        {
            stopping.Token.WaitHandle.WaitOne(OverdueRecheck);
        }
    }

    /// <summary>Called by a lane after the handler of <paramref name="record"/> succeeded or it was dead-lettered.</summary>
    /// <returns>False when the offset could not be stored.</returns>
    private bool StoreOffset(ConsumeResult<byte[]?, byte[]?> record)
    {
        try
        {
            // Stores offset + 1 ("next to read"); auto-commit and the commits below then send it to the broker.
            consumer.StoreOffset(record);
            Interlocked.Increment(ref storedSinceCommit);
            return true;
        }
        catch (KafkaException exception)
        {
            // The partition was revoked or lost while the record was being handled: its new owner will get it again.
            logger.LogWarning(
                "Group {GroupId}: could not store offset of {Position} ({Reason}); it will be redelivered",
                GroupId,
                record.TopicPartitionOffset,
                exception.Error.Reason);
            return false;
        }
    }

    /// <summary>
    /// With auto-commit off, the lane whose store brings the count to <c>commitEvery</c> commits at once (librdkafka's
    /// commit is thread-safe, and it commits the stored offsets of every partition, all of them handled work).
    /// </summary>
    private void CommitIfEnoughStored()
    {
        if (commitEvery is { } every && Volatile.Read(ref storedSinceCommit) >= every)
        {
            CommitStoredOffsets();
        }
    }

    /// <summary>
    /// Consume thread, auto-commit off, nothing fetched: commits what was stored if no record is unfinished either, i.e.
    /// the whole subscription is idle. While a handler is busy only <c>commitEvery</c>, rebalance and stop commit.
    /// </summary>
    private void CommitIfIdle()
    {
        if (dispatcher.Unfinished == 0 && Volatile.Read(ref storedSinceCommit) > 0)
        {
            CommitStoredOffsets();
        }
    }

    /// <summary>
    /// Consume thread, inside Consume (or Close): records of the revoked partitions not yet started are dropped, the
    /// running ones get the grace period to finish; whatever still runs then is cancelled and not stored. Only then is
    /// the commit sent, so it holds exactly the work done and nothing done is left uncommitted.
    /// </summary>
    private void OnPartitionsRevoked(List<TopicPartitionOffset> partitions)
    {
        logger.LogInformation("Group {GroupId} revoked {Partitions}; finishing their handlers", GroupId, string.Join(", ", partitions));
        var retired = dispatcher.Retire(partitions.Select(partition => partition.TopicPartition));
        var finished = Task.WhenAll(retired.Select(lane => lane.Completion)).WaitAsync(options.ShutdownGracePeriod, timeProvider);
        WaitOnConsumeThread(finished);
        if (!finished.IsCompletedSuccessfully)
        {
            logger.LogWarning(
                "Group {GroupId}: handlers of revoked partitions still busy after {GracePeriod}; cancelling them, their messages will be redelivered",
                GroupId,
                options.ShutdownGracePeriod);
            foreach (var lane in retired)
            {
                lane.Abandon();
            }
        }

        CommitStoredOffsets();
    }

    /// <summary>
    /// The partitions already belong to another member: a commit would be refused, so drop what is queued and cancel
    /// what runs. A lane created if a partition comes back still waits for its abandoned predecessor.
    /// </summary>
    private void OnPartitionsLost(List<TopicPartitionOffset> partitions)
    {
        logger.LogWarning(
            "Group {GroupId} lost {Partitions}; their uncommitted messages will be redelivered",
            GroupId,
            string.Join(", ", partitions));
        foreach (var lane in dispatcher.Retire(partitions.Select(partition => partition.TopicPartition)))
        {
            lane.Abandon();
        }
    }

    /// <summary>
    /// Blocks the consume thread until <paramref name="task"/> ends. Rebalance callbacks are synchronous and the thread
    /// is a plain one, so it must block; the lanes it waits for never need it.
    /// </summary>
    private static void WaitOnConsumeThread(Task task)
    {
        using var done = new ManualResetEventSlim(false);
        task.ContinueWith(
            static (_, state) => ((ManualResetEventSlim)state!).Set(),
            done,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        done.Wait();
    }

    private void OnHandlerFault(Exception exception)
    {
        MarkFaulted(exception);
        stopping.Cancel();
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
