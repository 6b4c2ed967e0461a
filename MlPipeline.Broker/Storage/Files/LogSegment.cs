using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// One segment of a partition log: <c>&lt;20-digit base offset&gt;.log</c> holding batches back to back, and a
/// sparse offset index (relative offset → file position, one entry per ~<see cref="IndexIntervalBytes"/>).
/// Ownership: only the owning <see cref="FilePartitionLog"/> appends, under its append lock; any thread may
/// read. Data is written with positional writes straight to the file (no user-space buffer), so a batch is
/// visible to positional reads as soon as <see cref="Size"/> covers it.
/// File handles: the active segment keeps its file open (pinned) for appends; a sealed one does not, and each read
/// rents its handle from the store's <see cref="SegmentFileCache"/>, so open files do not grow with the segments on
/// disk. The owning log unpins a segment only while no read runs (under its handles lock).
/// The index lives in memory and is written to <c>&lt;base&gt;.index</c> (temp file + rename) when the segment is
/// sealed or closed. Its 24-byte header (log length, next offset, max timestamp) lets a sealed segment be
/// opened without scanning; a missing or mismatching index makes the segment be recovered by a scan.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    public const int IndexIntervalBytes = 4096;
    private const int IndexHeaderSize = 24;
    private const int IndexEntrySize = 8;

    private readonly SegmentFileCache _cache;
    // The pinned handle: open while the segment is active (or being recovered), null once sealed.
    private SafeFileHandle? _handle;
    private IndexEntry[] _index = new IndexEntry[64];
    private int _indexCount;
    private long _size;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _bytesSinceIndexEntry;

    private LogSegment(string directory, long baseOffset, SegmentFileCache cache)
    {
        BaseOffset = baseOffset;
        LogPath = Path.Combine(directory, FileNameFor(baseOffset, ".log"));
        IndexPath = Path.Combine(directory, FileNameFor(baseOffset, ".index"));
        _cache = cache;
        _nextOffset = baseOffset;
    }

    /// <summary>This segment's place in the shared cache of sealed-segment handles (the cache's to touch).</summary>
    internal CachedSegmentFile CacheEntry;

    public long BaseOffset { get; }

    public string LogPath { get; }

    public string IndexPath { get; }

    /// <summary>Bytes of complete batches; readers never look past it.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>Offset after the last batch in this segment.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    /// <summary>Largest batch maxTimestamp in the segment, -1 when empty (drives time retention).</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    public static string FileNameFor(long baseOffset, string extension) => baseOffset.ToString("D20") + extension;

    /// <summary>A new, empty active segment (its file pinned open).</summary>
    public static LogSegment CreateNew(string directory, long baseOffset, SegmentFileCache cache)
    {
        var segment = new LogSegment(directory, baseOffset, cache);
        segment.Pin();
        RandomAccess.SetLength(segment._handle!, 0);
        return segment;
    }

    /// <summary>
    /// Opens an existing segment. Its index is trusted only when <paramref name="trustIndex"/> and the index
    /// matches the log file; otherwise every batch is checked (length, magic, CRC, offsets) and the file is cut
    /// at the first bad or torn one. Returns the segment and the number of bytes cut off.
    /// </summary>
    /// <param name="active">The partition's last segment: its file stays open for appends. Others are closed after opening.</param>
    public static LogSegment Open(string directory, long baseOffset, bool trustIndex, bool active, SegmentFileCache cache, out long truncatedBytes)
    {
        var segment = new LogSegment(directory, baseOffset, cache);
        truncatedBytes = 0;
        try
        {
            if (trustIndex && segment.TryLoadIndex())
            {
                if (active) segment.Pin();
                return segment;
            }
            segment.Pin();
            truncatedBytes = segment.Recover();
            segment.WriteIndexFile();
            if (!active) segment.Unpin();
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends one batch whose first 16 bytes were already stamped (offset, leader epoch) in <paramref name="prefix"/>,
    /// forcing it to disk first when <paramref name="flushToDisk"/>. If a write or the flush throws, nothing is
    /// published: the next append overwrites the same position (the index entry, if one was added, then points at
    /// the batch that really lands there, which gets the same base offset).
    /// </summary>
    public void Append(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> rest, in RecordBatchHeader header, long baseOffset, bool flushToDisk)
    {
        var position = _size;
        var length = prefix.Length + rest.Length;
        if (_bytesSinceIndexEntry >= IndexIntervalBytes)
        {
            AddIndexEntry(baseOffset, position);
            _bytesSinceIndexEntry = 0;
        }
        var handle = _handle ?? throw new InvalidOperationException($"Segment {LogPath} is sealed; only the active segment is appended to.");
        RandomAccess.Write(handle, prefix, position);
        RandomAccess.Write(handle, rest, position + prefix.Length);
        if (flushToDisk)
            Flush();
        _bytesSinceIndexEntry += length;
        if (header.MaxTimestamp > _maxTimestamp)
            Volatile.Write(ref _maxTimestamp, header.MaxTimestamp);
        // Publish size before the caller publishes the new log end offset, so a reader that sees the
        // offset also sees the bytes.
        Volatile.Write(ref _size, position + length);
        Volatile.Write(ref _nextOffset, baseOffset + header.LastOffsetDelta + 1);
    }

    /// <summary>
    /// Position of the first batch whose last offset is ≥ <paramref name="offset"/>, with its total size;
    /// (-1, 0) when no batch in the visible part of the segment qualifies.
    /// </summary>
    public (long Position, int Size) FindBatchContaining(long offset, long visibleSize)
    {
        var position = LookupIndex(offset);
        Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
        while (position + RecordBatchHeader.Size <= visibleSize)
        {
            ReadExactly(header, position);
            var parsed = RecordBatchHeader.Parse(header);
            if (parsed.LastOffset >= offset)
                return (position, parsed.TotalSize);
            position += parsed.TotalSize;
        }
        return (-1, 0);
    }

    /// <summary>
    /// Copies whole batches from <paramref name="position"/> into <paramref name="destination"/>, within
    /// <paramref name="budget"/> bytes, except that the first batch is copied regardless when <paramref name="forceFirst"/>.
    /// </summary>
    public int CopyBatches(long position, int firstBatchSize, long visibleSize, int budget, bool forceFirst, IBufferWriter<byte> destination)
    {
        if (!forceFirst && firstBatchSize > budget)
            return 0;
        var available = visibleSize - position;
        var want = (int)Math.Min(available, Math.Max(budget, firstBatchSize));
        var span = destination.GetSpan(want)[..want];
        ReadExactly(span, position);

        var total = 0;
        while (total + RecordBatchHeader.LogOverhead <= want)
        {
            var batchSize = BinaryPrimitives.ReadInt32BigEndian(span[(total + RecordBatchHeader.BatchLengthPosition)..]) + RecordBatchHeader.LogOverhead;
            if (total + batchSize > want || (total > 0 && total + batchSize > budget))
                break;
            total += batchSize;
        }
        destination.Advance(total);
        return total;
    }

    /// <summary>Reads the batch header at <paramref name="position"/>.</summary>
    public RecordBatchHeader ReadHeader(long position)
    {
        Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
        ReadExactly(header, position);
        return RecordBatchHeader.Parse(header);
    }

    public void ReadExactly(Span<byte> destination, long position)
    {
        if (_handle is { } pinned)
        {
            ReadExactly(pinned, destination, position);
            return;
        }
        var rented = _cache.Rent(this);
        try
        {
            ReadExactly(rented, destination, position);
        }
        finally
        {
            _cache.Return(this);
        }
    }

    private void ReadExactly(SafeFileHandle handle, Span<byte> destination, long position)
    {
        while (destination.Length > 0)
        {
            var read = RandomAccess.Read(handle, destination, position);
            if (read <= 0)
                throw new IOException($"Unexpected end of {LogPath} at {position}.");
            destination = destination[read..];
            position += read;
        }
    }

    public void Flush()
    {
        if (_handle is { } pinned) RandomAccess.FlushToDisk(pinned);
    }

    /// <summary>Makes the segment durable and records its index, as it stops being the active segment.</summary>
    public void Seal()
    {
        Flush();
        WriteIndexFile();
    }

    public void Delete()
    {
        Dispose();
        File.Delete(LogPath);
        File.Delete(IndexPath);
    }

    /// <summary>Closes the pinned file as the segment stops being active; later reads rent it from the cache.
    /// The owning log calls this only while no read runs.</summary>
    public void Unpin()
    {
        if (_handle is null) return;
        _handle.Dispose();
        _handle = null;
        _cache.PinnedClosed();
    }

    public void Dispose()
    {
        Unpin();
        _cache.Forget(this);
    }

    private void Pin()
    {
        _handle = File.OpenHandle(LogPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        _cache.PinnedOpened();
    }

    public void WriteIndexFile()
    {
        var count = Volatile.Read(ref _indexCount);
        var bytes = new byte[IndexHeaderSize + count * IndexEntrySize];
        BinaryPrimitives.WriteInt64BigEndian(bytes, Size);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), NextOffset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), MaxTimestamp);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(IndexHeaderSize + i * IndexEntrySize), _index[i].RelativeOffset);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(IndexHeaderSize + i * IndexEntrySize + 4), _index[i].Position);
        }
        DurableFile.WriteAtomically(IndexPath, bytes);
    }

    private bool TryLoadIndex()
    {
        if (!File.Exists(IndexPath))
            return false;
        var bytes = File.ReadAllBytes(IndexPath);
        if (bytes.Length < IndexHeaderSize || (bytes.Length - IndexHeaderSize) % IndexEntrySize != 0)
            return false;
        var logLength = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (logLength != (_handle is null ? new FileInfo(LogPath).Length : RandomAccess.GetLength(_handle)))
            return false;
        var entries = new IndexEntry[Math.Max(64, (bytes.Length - IndexHeaderSize) / IndexEntrySize)];
        var count = (bytes.Length - IndexHeaderSize) / IndexEntrySize;
        for (var i = 0; i < count; i++)
        {
            var entry = new IndexEntry(
                BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(IndexHeaderSize + i * IndexEntrySize)),
                BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(IndexHeaderSize + i * IndexEntrySize + 4)));
            if (entry.Position >= logLength || (i > 0 && (entry.RelativeOffset <= entries[i - 1].RelativeOffset || entry.Position <= entries[i - 1].Position)))
                return false;
            entries[i] = entry;
        }
        _index = entries;
        _indexCount = count;
        _size = logLength;
        _nextOffset = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8));
        _maxTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16));
        return true;
    }

    /// <summary>Scans every batch, keeps the valid prefix, truncates the rest; returns bytes removed.</summary>
    private long Recover()
    {
        var fileLength = RandomAccess.GetLength(_handle!);
        long position = 0;
        var expectedOffset = BaseOffset;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (fileLength - position >= RecordBatchHeader.Size)
            {
                var header = ReadHeader(position);
                if (header.Magic != RecordBatchHeader.CurrentMagic
                    || header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead
                    || header.TotalSize > fileLength - position
                    || header.BaseOffset < expectedOffset
                    || header.LastOffsetDelta < 0)
                    break;
                if (buffer.Length < header.TotalSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
                }
                var batch = buffer.AsSpan(0, header.TotalSize);
                ReadExactly(batch, position);
                if (RecordBatchValidator.CompleteBatchLength(batch) != header.TotalSize)
                    break;

                if (_bytesSinceIndexEntry >= IndexIntervalBytes)
                {
                    AddIndexEntry(header.BaseOffset, position);
                    _bytesSinceIndexEntry = 0;
                }
                _bytesSinceIndexEntry += header.TotalSize;
                _maxTimestamp = Math.Max(_maxTimestamp, header.MaxTimestamp);
                expectedOffset = header.LastOffset + 1;
                position += header.TotalSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _size = position;
        _nextOffset = expectedOffset;
        if (position < fileLength)
        {
            RandomAccess.SetLength(_handle!, position);
            Flush();
        }
        return fileLength - position;
    }

    private void AddIndexEntry(long offset, long position)
    {
        var count = _indexCount;
        if (count == _index.Length)
        {
            // Grow into a new array and publish it before the count, so a reader that sees the larger
            // count also sees an array holding that many entries.
            var grown = new IndexEntry[count * 2];
            Array.Copy(_index, grown, count);
            Volatile.Write(ref _index, grown);
        }
        _index[count] = new IndexEntry((int)(offset - BaseOffset), (int)position);
        Volatile.Write(ref _indexCount, count + 1);
    }

    /// <summary>File position of the last indexed batch at or before <paramref name="offset"/>; 0 when none.</summary>
    private long LookupIndex(long offset)
    {
        var count = Volatile.Read(ref _indexCount);
        var entries = Volatile.Read(ref _index);
        var relative = offset - BaseOffset;
        int low = 0, high = count - 1;
        long position = 0;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (entries[middle].RelativeOffset <= relative)
            {
                position = entries[middle].Position;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return position;
    }

    private readonly record struct IndexEntry(int RelativeOffset, int Position);
}
