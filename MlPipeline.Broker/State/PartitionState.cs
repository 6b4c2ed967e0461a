using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.State;

/// <summary>
/// One partition of a topic: its log, the idempotent-producer state and the signal long-polling fetches
/// wait on. Owned by <see cref="TopicRegistry"/>. Appends are serialized by <c>_appendLock</c> so that the
/// sequence check, the offset the log assigns and the sequence bookkeeping happen as one step; reads go
/// straight to the log, which is safe to read concurrently.
/// An append that fails with an I/O error (disk full, read-only, failing device) is answered with
/// KAFKA_STORAGE_ERROR for this partition only, as Kafka does; the client retries, and the connection and the
/// other partitions carry on.
/// </summary>
public sealed partial class PartitionState
{
    private readonly Lock _appendLock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _storageLocation;
    // Appends that failed since the last one that succeeded; guarded by _appendLock. A failing disk is
    // logged when it starts failing and when it recovers, not once per producer retry (which would flood).
    private int _failedAppends;
    // Reads that failed since the last one that succeeded; reads run concurrently, so it is updated with Interlocked.
    private int _failedReads;
    // producerId => what it last wrote here; guarded by _appendLock. Rebuilt from the log's tail when the
    // partition is reopened after a restart (ProducerStateRecovery).
    private readonly Dictionary<long, ProducerSequenceState> _producers;
    // Completed (and replaced) on every append or on close; fetches park on it.
    private TaskCompletionSource? _dataArrived;
    private volatile bool _closed;

    /// <param name="storageLocation">Where the log lives (data directory or "memory"), for the storage-error log line.</param>
    /// <param name="timeProvider">Clock of producer-state expiry; null = system clock.</param>
    internal PartitionState(string topic, int index, TopicConfig config, IPartitionLog log, string storageLocation = "memory", ILogger? logger = null,
        TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        Topic = topic;
        Index = index;
        Config = config;
        Log = log;
        _storageLocation = storageLocation;
        _logger = logger ?? NullLogger.Instance;
        var recovered = ProducerStateRecovery.Rebuild(log);
        _producers = recovered.Producers;
        // The log holds no append times we trust for this; counting from the reopen keeps recovered producers for at
        // least one expiration period, never less.
        long openedAt = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var state in _producers.Values) state.LastAppendMs = openedAt;
        HighestRecoveredProducerId = recovered.HighestProducerId;
        if (_producers.Count > 0) LogProducersRecovered(topic, index, _producers.Count);
    }

    public string Topic { get; }
    public int Index { get; }
    public TopicConfig Config { get; }
    public IPartitionLog Log { get; }

    /// <summary>The highest producer id found in the log when the partition was opened; -1 when none.</summary>
    public long HighestRecoveredProducerId { get; }

    /// <summary>
    /// Appends refused with KAFKA_STORAGE_ERROR since the last one that succeeded; 0 while the storage works. Read
    /// without the append lock by monitoring (a host raising an alert while the disk is full).
    /// </summary>
    public int FailedAppends => Volatile.Read(ref _failedAppends);

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
                if (!TryAppendToLog(batch, out baseOffset)) return (ErrorCode.KafkaStorageError, -1);
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
                    // Unknown producer (new, or silent since before the log tail replayed at start-up): accept at any sequence, as Kafka does.
                    state = new ProducerSequenceState(producer.ProducerEpoch);
                    _producers.Add(producer.ProducerId, state);
                }
                // A failed append records nothing, so the producer's retry of this batch is not a duplicate.
                if (!TryAppendToLog(batch, out baseOffset)) return (ErrorCode.KafkaStorageError, -1);
                state.Record(producer.ProducerEpoch, producer.BaseSequence, producer.RecordCount, baseOffset);
                state.LastAppendMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            }
        }
        SignalDataArrived();
        return (ErrorCode.None, baseOffset);
    }

    /// <summary>Appends under <c>_appendLock</c>; false when the storage failed (logged per failure episode).</summary>
    private bool TryAppendToLog(ReadOnlySpan<byte> batch, out long baseOffset)
    {
        try
        {
            baseOffset = Log.Append(batch);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (_failedAppends++ == 0) LogStorageFailed(ex, Topic, Index, _storageLocation, ex.Message);
            baseOffset = -1;
            return false;
        }
        if (_failedAppends > 0)
        {
            LogStorageRecovered(Topic, Index, _failedAppends);
            _failedAppends = 0;
        }
        return true;
    }

    /// <summary>
    /// Reads batches for a fetch (see <see cref="IPartitionLog.Read"/>). An I/O error becomes
    /// KAFKA_STORAGE_ERROR for this partition, logged when reads start failing and when they work again;
    /// what the failed read had written into <paramref name="destination"/> is left for the caller to drop.
    /// </summary>
    public ErrorCode TryRead(long offset, int maxBytes, IBufferWriter<byte> destination, out int written)
    {
        try
        {
            written = Log.Read(offset, maxBytes, destination);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Interlocked.Increment(ref _failedReads) == 1) LogReadFailed(ex, Topic, Index, _storageLocation, ex.Message);
            written = 0;
            return ErrorCode.KafkaStorageError;
        }
        // Read first so that the healthy path (every fetch) does no interlocked write.
        if (Volatile.Read(ref _failedReads) > 0 && Interlocked.Exchange(ref _failedReads, 0) is > 0 and int failedBefore)
            LogReadRecovered(Topic, Index, failedBefore);
        return ErrorCode.None;
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

    /// <summary>
    /// Forgets idempotent producers that have not appended since <paramref name="appendedBeforeMs"/> (Unix ms), as
    /// Kafka does after producer.id.expiration.ms, so the state of producers that came and went stays bounded. A
    /// forgotten producer that writes again is accepted at any sequence, like a new one. Returns how many were forgotten.
    /// </summary>
    public int ExpireProducers(long appendedBeforeMs)
    {
        lock (_appendLock)
        {
            if (_closed) return 0;
            List<long>? expired = null;
            foreach (var (producerId, state) in _producers)
                if (state.LastAppendMs < appendedBeforeMs) (expired ??= []).Add(producerId);
            if (expired is null) return 0;
            foreach (long producerId in expired) _producers.Remove(producerId);
            return expired.Count;
        }
    }

    /// <summary>Whether this partition keeps state for <paramref name="producerId"/>.</summary>
    public bool KnowsProducer(long producerId)
    {
        lock (_appendLock) return _producers.ContainsKey(producerId);
    }

    /// <summary>Idempotent producers whose state this partition keeps.</summary>
    public int ProducerCount
    {
        get
        {
            lock (_appendLock) return _producers.Count;
        }
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recovered the sequence state of {Producers} idempotent producers for {Topic}-{Partition} from its log")]
    private partial void LogProducersRecovered(string topic, int partition, int producers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to {Topic}-{Partition} in {StorageLocation} failed, producers get KAFKA_STORAGE_ERROR until an append succeeds: {Reason}")]
    private partial void LogStorageFailed(Exception exception, string topic, int partition, string storageLocation, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading {Topic}-{Partition} in {StorageLocation} failed, consumers get KAFKA_STORAGE_ERROR until a read succeeds: {Reason}")]
    private partial void LogReadFailed(Exception exception, string topic, int partition, string storageLocation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Topic}-{Partition} works again after {FailedReads} failed reads")]
    private partial void LogReadRecovered(string topic, int partition, int failedReads);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appending to {Topic}-{Partition} works again after {FailedAppends} failed appends")]
    private partial void LogStorageRecovered(string topic, int partition, int failedAppends);
}
