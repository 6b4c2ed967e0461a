using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// The records of one partition, handled strictly one after the other on their own async loop, so lanes of
/// different partitions run side by side while order within a partition (one dataset = one key = one partition)
/// is kept. The consume thread is the only writer (<see cref="Enqueue"/>, <see cref="Retire"/>, <see cref="Complete"/>);
/// the loop is the only reader.
/// </summary>
internal sealed class PartitionLane
{
    private readonly PartitionDispatcher owner;
    private readonly Channel<ConsumeResult<byte[]?, byte[]?>> queue =
        Channel.CreateUnbounded<ConsumeResult<byte[]?, byte[]?>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    // Cancelled on retirement: a record still waiting for a handler slot is dropped, not started.
    private readonly CancellationTokenSource retiring = new();

    // Cancels the running handler: when the subscription abandons all handlers (stop grace over, fault) or this lane's
    // retirement outlived the grace period. Neither source is disposed: they hold no timer, and the registration on the
    // subscription's token lives no longer than the subscription.
    private readonly CancellationTokenSource abandon;
    private readonly CancellationTokenSource slotWaitCancelled;

    // Orders the store against Abandon: once a revocation gave up on this lane and committed, nothing more is stored.
    private readonly Lock gate = new();
    private bool storeClosed;
    private volatile bool retired;

    // TimeProvider timestamp at which the running handler started; 0 while none runs. Read by the consume thread.
    private long handlerStartedAt;

    /// <param name="predecessor">
    /// The loop of the lane this partition had before it was last revoked, if an abandoned handler may still run in it:
    /// this lane starts only after it ended, so two records of one partition never run at once.
    /// </param>
    public PartitionLane(TopicPartition partition, Task predecessor, PartitionDispatcher owner, CancellationToken subscriptionAbandoned)
    {
        Partition = partition;
        this.owner = owner;
        abandon = CancellationTokenSource.CreateLinkedTokenSource(subscriptionAbandoned);
        slotWaitCancelled = CancellationTokenSource.CreateLinkedTokenSource(retiring.Token, abandon.Token);
        Completion = Task.Run(() => RunAsync(predecessor), CancellationToken.None);
    }

    public TopicPartition Partition { get; }

    /// <summary>Completes once every record given to the lane was handled, dropped or abandoned. Never faults.</summary>
    public Task Completion { get; }

    /// <summary>How long the handler running now has been running; zero when none runs.</summary>
    public TimeSpan HandlerRunningFor
    {
        get
        {
            long startedAt = Volatile.Read(ref handlerStartedAt);
            return startedAt == 0 ? TimeSpan.Zero : owner.Clock.GetElapsedTime(startedAt);
        }
    }

    /// <summary>Queues a fetched record (consume thread only).</summary>
    public void Enqueue(ConsumeResult<byte[]?, byte[]?> record) => queue.Writer.TryWrite(record);

    /// <summary>
    /// The partition was revoked or lost: records not yet started are dropped (their offsets are never stored, so the new
    /// owner reads them), the running one may finish. <see cref="Completion"/> then says when it did.
    /// </summary>
    public void Retire()
    {
        retired = true;
        retiring.Cancel();
        queue.Writer.TryComplete();
    }

    /// <summary>Gives up on the running handler: cancels it and stores nothing more, even if it still completes.</summary>
    public void Abandon()
    {
        lock (gate)
        {
            storeClosed = true;
        }

        abandon.Cancel();
    }

    /// <summary>No more records will come (stop): the lane handles what it holds, then completes.</summary>
    public void Complete() => queue.Writer.TryComplete();

    private async Task RunAsync(Task predecessor)
    {
        await predecessor.ConfigureAwait(false);
        await foreach (var record in queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await HandleAsync(record).ConfigureAwait(false);
            }
            finally
            {
                owner.OnRecordFinished();
            }
        }
    }

    private async Task HandleAsync(ConsumeResult<byte[]?, byte[]?> record)
    {
        // Once a record of this lane was abandoned, no later one may be stored (it would commit past the abandoned one).
        if (retired || abandon.IsCancellationRequested)
        {
            owner.LogDropped(record);
            return;
        }

        try
        {
            await owner.HandlerSlots.WaitAsync(slotWaitCancelled.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (slotWaitCancelled.IsCancellationRequested)
        {
            owner.LogDropped(record);
            return;
        }

        try
        {
            if (retired)
            {
                owner.LogDropped(record);
                return;
            }

            Volatile.Write(ref handlerStartedAt, owner.Clock.GetTimestamp());
            try
            {
                await owner.Processor.ProcessAsync(record, abandon.Token).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref handlerStartedAt, 0);
            }

            bool stored;
            lock (gate)
            {
                stored = !storeClosed && owner.StoreOffset(record);
            }

            if (stored)
            {
                owner.CommitIfDue();
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            owner.Logger.LogWarning(
                "Group {GroupId}: handling of {Position} was abandoned; it will be redelivered",
                owner.GroupId,
                record.TopicPartitionOffset);
        }
        catch (Exception exception)
        {
            // Only a bug gets here (handler and dead-letter failures are dealt with inside). Skipping the record would lose
            // it once a later offset is stored, so the subscription faults; that abandons this lane too.
            owner.OnHandlerFault(exception);
        }
        finally
        {
            owner.HandlerSlots.Release();
        }
    }
}
