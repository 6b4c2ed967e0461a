using System.Buffers;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Storage;

/// <summary>
/// A partition log held in memory: a list of batch copies guarded by one lock. Retention works per batch
/// (each batch is its own "segment"), except that the newest batch is never dropped, mirroring the file
/// log's rule that the active segment stays.
/// </summary>
public sealed class InMemoryPartitionLog : IPartitionLog
{
    private readonly object _gate = new();
    private readonly List<StoredBatch> _batches = [];
    private readonly TopicConfig _config;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _sizeInBytes;

    public InMemoryPartitionLog(TopicConfig config) => _config = config;

    public long LogStartOffset { get { lock (_gate) return _logStartOffset; } }

    public long LogEndOffset { get { lock (_gate) return _logEndOffset; } }

    public long SizeInBytes { get { lock (_gate) return _sizeInBytes; } }

    public long Append(ReadOnlySpan<byte> batch)
    {
        var copy = batch.ToArray();
        var header = RecordBatchHeader.Parse(copy);
        lock (_gate)
        {
            var baseOffset = _logEndOffset;
            RecordBatchHeader.AssignOffset(copy, baseOffset);
            _batches.Add(new StoredBatch(baseOffset, baseOffset + header.LastOffsetDelta, header.MaxTimestamp, copy));
            _logEndOffset = baseOffset + header.LastOffsetDelta + 1;
            _sizeInBytes += copy.Length;
            return baseOffset;
        }
    }

    public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
    {
        lock (_gate)
        {
            var written = 0;
            for (var i = IndexOfBatchContaining(offset); i >= 0 && i < _batches.Count; i++)
            {
                var data = _batches[i].Data;
                if (written > 0 && written + data.Length > maxBytes)
                    break;
                destination.Write(data);
                written += data.Length;
            }
            return written;
        }
    }

    public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp)
    {
        lock (_gate)
        {
            foreach (var batch in _batches)
            {
                // Headers only, never a decompression (see BatchTimeLookup).
                if (batch.MaxTimestamp < timestamp)
                    continue;
                var header = RecordBatchHeader.Parse(batch.Data);
                return BatchTimeLookup.CanWalkRecords(header, _config.MaxMessageBytes)
                    ? BatchTimeLookup.WalkRecords(batch.Data, header, timestamp)
                    : BatchTimeLookup.FromHeader(header, timestamp);
            }
            return null;
        }
    }

    public void Flush()
    {
        // Nothing to persist.
    }

    public int ApplyRetention(DateTimeOffset now)
    {
        lock (_gate)
        {
            var dropped = 0;
            var oldestKept = now.ToUnixTimeMilliseconds() - _config.RetentionMs;
            while (_batches.Count > 1 && IsOutsideRetention(_batches[0], oldestKept))
            {
                _sizeInBytes -= _batches[0].Data.Length;
                _batches.RemoveAt(0);
                dropped++;
            }
            if (dropped > 0)
                _logStartOffset = _batches[0].BaseOffset;
            return dropped;
        }
    }

    public void Dispose()
    {
        // The store keeps the data so a re-opened partition sees it; nothing to release here.
    }

    private bool IsOutsideRetention(StoredBatch oldest, long oldestKeptTimestamp) =>
        (_config.RetentionMs >= 0 && oldest.MaxTimestamp < oldestKeptTimestamp)
        || (_config.RetentionBytes >= 0 && _sizeInBytes > _config.RetentionBytes);

    /// <summary>Index of the first batch whose last offset is ≥ offset (binary search), or -1 past the end.</summary>
    private int IndexOfBatchContaining(long offset)
    {
        int low = 0, high = _batches.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (_batches[middle].LastOffset >= offset)
            {
                found = middle;
                high = middle - 1;
            }
            else
            {
                low = middle + 1;
            }
        }
        return found;
    }

    private sealed record StoredBatch(long BaseOffset, long LastOffset, long MaxTimestamp, byte[] Data);
}
