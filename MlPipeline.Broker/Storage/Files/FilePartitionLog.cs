using System.Buffers;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// A partition log in one directory of segment files (see <see cref="LogSegment"/>).
/// Concurrency: appends, rolls and retention are serialized by <c>_appendGate</c>. Readers never take it:
/// they work on an immutable snapshot of the segment list and on each segment's published size, so a
/// read runs in parallel with an append. Deleting a segment (retention) and closing takes
/// <c>_handlesGate</c> for writing, and reads hold it for reading, so no read uses a closed file handle.
/// </summary>
public sealed class FilePartitionLog : IPartitionLog, IBatchHeaderTail
{
    /// <summary>
    /// How many segments (the active one and those before it) <see cref="ReadTailHeaders"/> replays: with two,
    /// at least one whole segment (segment.bytes) of history is covered even right after a roll.
    /// </summary>
    public const int TailSegments = 2;

    private readonly object _appendGate = new();
    private readonly ReaderWriterLockSlim _handlesGate = new();
    private readonly string _directory;
    private readonly TopicConfig _config;
    private readonly FlushPolicy _flushPolicy;
    private readonly Action<FilePartitionLog>? _onDisposed;
    private readonly SegmentFileCache _files;
    private volatile LogSegment[] _segments;
    private long _logEndOffset;
    private bool _dirty;
    private bool _disposed;

    /// <summary>Opens (recovering) or creates the log in <paramref name="directory"/>.</summary>
    public FilePartitionLog(string directory, TopicConfig config, FlushPolicy flushPolicy)
        : this(directory, config, flushPolicy, new SegmentFileCache(new BrokerOptions().MaxOpenSealedSegments), onDisposed: null)
    {
    }

    /// <param name="files">Where sealed segments rent their file handles (shared by the store's partitions).</param>
    internal FilePartitionLog(string directory, TopicConfig config, FlushPolicy flushPolicy, SegmentFileCache files, Action<FilePartitionLog>? onDisposed)
    {
        _files = files;
        _directory = directory;
        _config = config;
        _flushPolicy = flushPolicy;
        _onDisposed = onDisposed;
        Directory.CreateDirectory(directory);
        _segments = OpenSegments(directory);
        _logEndOffset = _segments[^1].NextOffset;
    }

    /// <summary>Bytes cut from torn or corrupt segment tails while opening (for logging by the owner).</summary>
    public long RecoveredTruncatedBytes { get; private set; }

    public long LogStartOffset => _segments[0].BaseOffset;

    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    public long SizeInBytes => _segments.Sum(s => s.Size);

    public long Append(ReadOnlySpan<byte> batch)
    {
        var header = RecordBatchHeader.Parse(batch);
        // Bytes 0..15 (baseOffset, batchLength, leader epoch, magic) are stamped in a small stack copy and
        // written ahead of the rest, so the producer's buffer is never copied or mutated.
        Span<byte> prefix = stackalloc byte[RecordBatchHeader.CrcPosition];
        batch[..RecordBatchHeader.CrcPosition].CopyTo(prefix);
        lock (_appendGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var baseOffset = _logEndOffset;
            RecordBatchHeader.AssignOffset(prefix, baseOffset);
            var active = _segments[^1];
            if (active.Size > 0 && active.Size + batch.Length > _config.SegmentBytes)
                active = Roll(baseOffset);
            // With FlushPolicy.Always the segment fsyncs before publishing the batch: a failed fsync must not
            // leave a batch readers can see while the log end offset (and the producer's answer) says it failed.
            active.Append(prefix, batch[RecordBatchHeader.CrcPosition..], header, baseOffset, flushToDisk: _flushPolicy == FlushPolicy.Always);
            _dirty = _flushPolicy != FlushPolicy.Always;
            Volatile.Write(ref _logEndOffset, baseOffset + header.LastOffsetDelta + 1);
            return baseOffset;
        }
    }

    public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
    {
        _handlesGate.EnterReadLock();
        try
        {
            if (_disposed)
                return 0;
            var segments = _segments;
            var written = 0;
            for (var i = IndexOfSegmentFor(segments, offset); i < segments.Length && (written == 0 || written < maxBytes); i++)
            {
                var segment = segments[i];
                var visible = segment.Size;
                var (position, firstSize) = segment.FindBatchContaining(offset, visible);
                if (position < 0)
                    continue;
                var copied = segment.CopyBatches(position, firstSize, visible, maxBytes - written, forceFirst: written == 0, destination);
                if (copied == 0)
                    break;
                written += copied;
                // Continue with the next segment only when this one was read to its (visible) end.
                if (position + copied < visible)
                    break;
            }
            return written;
        }
        finally
        {
            _handlesGate.ExitReadLock();
        }
    }

    /// <summary>
    /// Batch headers only (see <see cref="BatchTimeLookup"/>): segments and batches whose maxTimestamp is too early are
    /// skipped, and the batch that reaches the time is answered without decompressing. A header that cannot be a batch
    /// (stored data damaged behind a trusted index) ends the search in that segment rather than looping or allocating.
    /// </summary>
    public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp)
    {
        _handlesGate.EnterReadLock();
        try
        {
            if (_disposed)
                return null;
            foreach (var segment in _segments)
            {
                if (segment.MaxTimestamp < timestamp)
                    continue;
                var visible = segment.Size;
                for (long position = 0; position + RecordBatchHeader.Size <= visible;)
                {
                    var header = segment.ReadHeader(position);
                    if (header.TotalSize < RecordBatchHeader.Size || header.TotalSize > visible - position)
                        break;
                    if (header.MaxTimestamp >= timestamp)
                        return AnswerFromBatch(segment, position, header, timestamp);
                    position += header.TotalSize;
                }
            }
            return null;
        }
        finally
        {
            _handlesGate.ExitReadLock();
        }
    }

    private (long Offset, long Timestamp) AnswerFromBatch(LogSegment segment, long position, in RecordBatchHeader header, long timestamp)
    {
        if (!BatchTimeLookup.CanWalkRecords(header, _config.MaxMessageBytes))
            return BatchTimeLookup.FromHeader(header, timestamp);
        var buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            segment.ReadExactly(buffer.AsSpan(0, header.TotalSize), position);
            return BatchTimeLookup.WalkRecords(buffer.AsSpan(0, header.TotalSize), header, timestamp);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Headers of the batches in the last <see cref="TailSegments"/> segments, oldest first. Bounded so that
    /// recovery costs at most two segments of sequential reads per partition, however long the log is.
    /// </summary>
    public void ReadTailHeaders(Action<RecordBatchHeader> onBatch)
    {
        _handlesGate.EnterReadLock();
        try
        {
            if (_disposed)
                return;
            var segments = _segments;
            for (var i = Math.Max(0, segments.Length - TailSegments); i < segments.Length; i++)
                SegmentHeaderWalker.ForEach(segments[i], segments[i].Size, onBatch);
        }
        finally
        {
            _handlesGate.ExitReadLock();
        }
    }

    public void Flush()
    {
        lock (_appendGate)
        {
            if (_disposed || !_dirty)
                return;
            _segments[^1].Flush();
            _dirty = false;
        }
    }

    public int ApplyRetention(DateTimeOffset now)
    {
        lock (_appendGate)
        {
            if (_disposed)
                return 0;
            var segments = _segments;
            var oldestKept = now.ToUnixTimeMilliseconds() - _config.RetentionMs;
            var size = segments.Sum(s => s.Size);
            var drop = 0;
            // Never the active (last) segment: it is where appends go, and it keeps LogEndOffset anchored.
            while (drop < segments.Length - 1)
            {
                var oldest = segments[drop];
                var expired = _config.RetentionMs >= 0 && oldest.MaxTimestamp < oldestKept;
                var oversized = _config.RetentionBytes >= 0 && size > _config.RetentionBytes;
                if (!expired && !oversized)
                    break;
                size -= oldest.Size;
                drop++;
            }
            if (drop == 0)
                return 0;

            _handlesGate.EnterWriteLock();
            try
            {
                _segments = segments[drop..];
                foreach (var removed in segments[..drop])
                    removed.Delete();
            }
            finally
            {
                _handlesGate.ExitWriteLock();
            }
            return drop;
        }
    }

    public void Dispose()
    {
        lock (_appendGate)
        {
            if (_disposed)
                return;
            _handlesGate.EnterWriteLock();
            try
            {
                _disposed = true;
                var active = _segments[^1];
                // A clean close leaves data durable and the index written, whatever the flush policy.
                active.Seal();
                foreach (var segment in _segments)
                    segment.Dispose();
            }
            finally
            {
                _handlesGate.ExitWriteLock();
            }
        }
        // _handlesGate is deliberately not disposed: a reader racing with Dispose must still be able to
        // enter it and observe _disposed rather than hit an ObjectDisposedException.
        _onDisposed?.Invoke(this);
    }

    private LogSegment Roll(long baseOffset)
    {
        var sealing = _segments[^1];
        sealing.Seal();
        _dirty = false;
        var next = LogSegment.CreateNew(_directory, baseOffset, _files);
        // Readers may be using the sealed segment's pinned handle: it is closed only once none is reading.
        _handlesGate.EnterWriteLock();
        try
        {
            _segments = [.. _segments, next];
            sealing.Unpin();
        }
        finally
        {
            _handlesGate.ExitWriteLock();
        }
        return next;
    }

    /// <summary>Index of the last segment whose base offset is ≤ offset (0 when the offset precedes them all).</summary>
    private static int IndexOfSegmentFor(LogSegment[] segments, long offset)
    {
        int low = 0, high = segments.Length - 1, found = 0;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (segments[middle].BaseOffset <= offset)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return found;
    }

    private LogSegment[] OpenSegments(string directory)
    {
        var baseOffsets = Directory.EnumerateFiles(directory, "*.log")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(name => long.TryParse(name, out var offset) && name!.Length == 20 ? offset : -1)
            .Where(offset => offset >= 0)
            .Order()
            .ToArray();
        if (baseOffsets.Length == 0)
            return [LogSegment.CreateNew(directory, 0, _files)];

        var segments = new LogSegment[baseOffsets.Length];
        long truncated = 0;
        for (var i = 0; i < baseOffsets.Length; i++)
        {
            // The last segment may hold a torn write (it was being appended to), so it is always re-checked.
            try
            {
                bool last = i == baseOffsets.Length - 1;
                segments[i] = LogSegment.Open(directory, baseOffsets[i], trustIndex: !last, active: last, _files, out var cut);
                truncated += cut;
            }
            catch
            {
                // Nothing of a log that cannot open stays open.
                for (var j = 0; j < i; j++) segments[j].Dispose();
                throw;
            }
        }
        RecoveredTruncatedBytes = truncated;
        return segments;
    }
}
