using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// Routes each fetched record to its partition's <see cref="PartitionLane"/>, bounds the records fetched and not yet
/// finished (the fetch window) and how many handlers run at once across lanes. The lane map is owned by the consume
/// thread (it dispatches, and the rebalance callbacks that retire lanes run inside its Consume call); lanes call back
/// from their own loops only into thread-safe members here.
/// </summary>
internal sealed class PartitionDispatcher
{
    private readonly Func<ConsumeResult<byte[]?, byte[]?>, bool> storeOffset;
    private readonly Action commitIfDue;
    private readonly Action<Exception> onHandlerFault;
    private readonly CancellationToken abandonAll;

    // Consume thread only.
    private readonly Dictionary<TopicPartition, PartitionLane> lanes = [];

    // Loops of retired lanes by partition; a lane created later for the same partition waits for its predecessor
    // (see PartitionLane). Consume thread only.
    private readonly Dictionary<TopicPartition, Task> retiredLoops = [];

    // One permit per record the consume thread may still fetch; a finished record gives its permit back.
    private readonly SemaphoreSlim window;

    private int unfinished;

    /// <param name="maxConcurrentHandlers">Handlers running at once across all lanes.</param>
    /// <param name="fetchWindow">Records fetched and not yet finished, over all lanes, before the consume thread waits.</param>
    /// <param name="storeOffset">Stores a handled record's offset; false when it could not be stored.</param>
    /// <param name="commitIfDue">Called after each stored offset; commits when enough are stored (auto-commit off).</param>
    /// <param name="onHandlerFault">A handler threw past the processor: a bug, so the subscription faults.</param>
    /// <param name="abandonAll">Cancelled when every running handler must give up (stop grace over, fault).</param>
    public PartitionDispatcher(
        ConsumedMessageProcessor processor,
        int maxConcurrentHandlers,
        int fetchWindow,
        Func<ConsumeResult<byte[]?, byte[]?>, bool> storeOffset,
        Action commitIfDue,
        Action<Exception> onHandlerFault,
        ILogger logger,
        string groupId,
        TimeProvider clock,
        CancellationToken abandonAll)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentHandlers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fetchWindow, maxConcurrentHandlers);
        Processor = processor;
        HandlerSlots = new SemaphoreSlim(maxConcurrentHandlers, maxConcurrentHandlers);
        window = new SemaphoreSlim(fetchWindow, fetchWindow);
        this.storeOffset = storeOffset;
        this.commitIfDue = commitIfDue;
        this.onHandlerFault = onHandlerFault;
        Logger = logger;
        GroupId = groupId;
        Clock = clock;
        this.abandonAll = abandonAll;
    }

    public ConsumedMessageProcessor Processor { get; }

    // Neither semaphore is disposed: a lane whose abandoned handler ignores cancellation may release its permits after the
    // subscription ended.
    public SemaphoreSlim HandlerSlots { get; }

    public ILogger Logger { get; }

    public string GroupId { get; }

    public TimeProvider Clock { get; }

    /// <summary>How long the longest-running handler of an assigned partition has been running (consume thread only).</summary>
    public TimeSpan LongestRunningHandler
    {
        get
        {
            var longest = TimeSpan.Zero;
            foreach (var lane in lanes.Values)
            {
                var runningFor = lane.HandlerRunningFor;
                if (runningFor > longest)
                {
                    longest = runningFor;
                }
            }

            return longest;
        }
    }

    /// <summary>Records fetched and not yet finished (handled, dead-lettered, dropped or abandoned), over all lanes.</summary>
    public int Unfinished => Volatile.Read(ref unfinished);

    /// <summary>Blocks the consume thread until one more record may be fetched.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public void WaitForRoom(CancellationToken cancellationToken) => window.Wait(cancellationToken);

    /// <summary>Gives back the permit taken for a fetch that returned no record.</summary>
    public void ReturnRoom() => window.Release();

    /// <summary>Hands a fetched record to its partition's lane (consume thread only).</summary>
    public void Dispatch(ConsumeResult<byte[]?, byte[]?> record)
    {
        var partition = record.TopicPartition;
        if (!lanes.TryGetValue(partition, out var lane))
        {
            var predecessor = retiredLoops.Remove(partition, out var loop) ? loop : Task.CompletedTask;
            lane = new PartitionLane(partition, predecessor, this, abandonAll);
            lanes.Add(partition, lane);
        }

        Interlocked.Increment(ref unfinished);
        lane.Enqueue(record);
    }

    /// <summary>
    /// Retires the lanes of revoked or lost partitions (consume thread only): queued records are dropped, running ones
    /// go on. Returns the retired lanes so the caller can wait for them and abandon what outlives its patience.
    /// </summary>
    public IReadOnlyList<PartitionLane> Retire(IEnumerable<TopicPartition> partitions)
    {
        var retired = new List<PartitionLane>();
        foreach (var partition in partitions)
        {
            if (lanes.Remove(partition, out var lane))
            {
                lane.Retire();
                retiredLoops[partition] = lane.Completion;
                retired.Add(lane);
            }
        }

        return retired;
    }

    /// <summary>Stop: every lane handles what it holds. Completes when all lanes (and retired ones) are done.</summary>
    public Task DrainAsync()
    {
        foreach (var lane in lanes.Values)
        {
            lane.Complete();
        }

        return Task.WhenAll(lanes.Values.Select(lane => lane.Completion).Concat(retiredLoops.Values));
    }

    public bool StoreOffset(ConsumeResult<byte[]?, byte[]?> record) => storeOffset(record);

    public void CommitIfDue() => commitIfDue();

    public void OnHandlerFault(Exception exception) => onHandlerFault(exception);

    public void OnRecordFinished()
    {
        Interlocked.Decrement(ref unfinished);
        window.Release();
    }

    public void LogDropped(ConsumeResult<byte[]?, byte[]?> record) =>
        Logger.LogDebug("Group {GroupId}: {Position} not started; it will be redelivered", GroupId, record.TopicPartitionOffset);
}
