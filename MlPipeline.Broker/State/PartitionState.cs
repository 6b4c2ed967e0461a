using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.State;

/// <summary>
/// One partition of a topic: its log, the idempotent-producer state and the signal long-polling fetches
/// wait on. Owned by <see cref="TopicRegistry"/>. Appends are serialized by <c>_appendLock</c> so that the
/// sequence check, the offset the log assigns and the sequence bookkeeping happen as one step; reads go
/// straight to the log, which is safe to read concurrently.
/// </summary>
public sealed class PartitionState
{
    private readonly Lock _appendLock = new();
    // producerId => what it last wrote here; guarded by _appendLock.
    private readonly Dictionary<long, ProducerSequenceState> _producers = new();
    // Completed (and replaced) on every append or on close; fetches park on it.
    private TaskCompletionSource? _dataArrived;
    private volatile bool _closed;

    internal PartitionState(string topic, int index, TopicConfig config, IPartitionLog log)
    {
        Topic = topic;
        Index = index;
        Config = config;
        Log = log;
    }

    public string Topic { get; }
    public int Index { get; }
    public TopicConfig Config { get; }
    public IPartitionLog Log { get; }

    /// <summary>True once the topic was deleted (or the broker stopped); the log is disposed.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Appends one validated record batch, applying idempotence (BRIEF §4) for batches that carry a producer
    /// id. A duplicate of one of the producer's last five batches succeeds with the original base offset and
    /// is not written again.
    /// </summary>
    /// <param name="batch">One batch that passed <see cref="RecordBatchValidator"/>.</param>
    /// <param name="header">Its header, as the validator parsed it.</param>
    public (ErrorCode Error, long BaseOffset) Append(ReadOnlySpan<byte> batch, in RecordBatchHeader header)
    {
        var producer = header;
        long baseOffset;
        lock (_appendLock)
        {
            if (_closed) return (ErrorCode.UnknownTopicOrPartition, -1);
            if (producer.ProducerId < 0)
            {
                baseOffset = Log.Append(batch);
            }
            else
            {
                if (_producers.TryGetValue(producer.ProducerId, out var state))
                {
                    var check = state.Check(producer.ProducerEpoch, producer.BaseSequence, producer.RecordCount, out long originalOffset);
                    if (check.Error != ErrorCode.None) return (check.Error, -1);
                    if (check.IsDuplicate) return (ErrorCode.None, originalOffset);
                }
                else
                {
                    // Unknown producer (e.g. after a broker restart): accept at any sequence, as Kafka does.
                    state = new ProducerSequenceState(producer.ProducerEpoch);
                    _producers.Add(producer.ProducerId, state);
                }
                baseOffset = Log.Append(batch);
                state.Record(producer.ProducerEpoch, producer.BaseSequence, producer.RecordCount, baseOffset);
            }
        }
        SignalDataArrived();
        return (ErrorCode.None, baseOffset);
    }

    /// <summary>
    /// A task that completes at the next append or when the partition closes. Take it BEFORE checking the
    /// log end offset, so an append between the check and the wait cannot be missed.
    /// </summary>
    public Task WaitForDataAsync()
    {
        var current = Volatile.Read(ref _dataArrived);
        if (current is not null) return current.Task;
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        current = Interlocked.CompareExchange(ref _dataArrived, created, null) ?? created;
        if (_closed) current.TrySetResult();
        return current.Task;
    }

    /// <summary>Ends the partition: no more appends, parked fetches wake up, the log is disposed.</summary>
    internal void Close()
    {
        lock (_appendLock)
        {
            if (_closed) return;
            _closed = true;
            Log.Dispose();
        }
        SignalDataArrived();
    }

    private void SignalDataArrived() => Interlocked.Exchange(ref _dataArrived, null)?.TrySetResult();
}
