using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// Committed offsets made durable by an append-only journal, <c>offsets.journal</c>: each entry is
/// [int32 payload length][uint32 CRC-32C of payload][payload], fsynced before <see cref="Commit"/> returns.
/// At open the journal is replayed entry by entry (<see cref="OffsetJournalReplay"/>): start-up memory follows the
/// live offsets, not the journal's length. A torn or corrupt tail (a crash mid-write) ends the replay and is cut off.
/// When the journal has grown past the compaction threshold since the last compaction (checked at open too), the
/// live state is streamed to a temp file that is renamed over it.
/// A write the disk refuses is cut back off the journal and reported by an exception, so the journal never holds a
/// half entry that would end a later replay early.
/// All writes are serialized by one lock; reads go straight to the in-memory view.
/// </summary>
public sealed class FileGroupOffsetStore : IGroupOffsetStore, IDisposable
{
    internal const int EntryHeaderSize = 8;
    internal const byte CommitEntry = 1;
    internal const byte DeleteTopicEntry = 2;
    internal const byte DeleteGroupEntry = 3;
    internal const byte ExpireOffsetsEntry = 4;

    private readonly object _writeGate = new();
    private readonly InMemoryGroupOffsetStore _state;
    private readonly string _journalPath;
    private readonly long _compactionThresholdBytes;
    private FileStream _journal;
    private long _bytesAtLastCompaction;
    // Set when cutting a failed write back off the journal failed too: the next write retries the cut first.
    private long _truncatePendingAt = -1;

    /// <param name="directory">Folder holding the journal (created if missing).</param>
    /// <param name="compactionThresholdBytes">Journal growth since the last compaction that triggers the next one.</param>
    public FileGroupOffsetStore(string directory, long compactionThresholdBytes = 16 * 1024 * 1024)
    {
        Directory.CreateDirectory(directory);
        _journalPath = Path.Combine(directory, "offsets.journal");
        _compactionThresholdBytes = compactionThresholdBytes;
        _journal = new FileStream(_journalPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var replay = OffsetJournalReplay.Run(_journal);
        _state = replay.State;
        if (replay.ValidLength < _journal.Length)
        {
            _journal.SetLength(replay.ValidLength);
            _journal.Flush(flushToDisk: true);
        }
        _journal.Position = replay.ValidLength;
        // A journal past the threshold is compacted at once, so a broker restarted in a loop cannot grow it forever.
        _bytesAtLastCompaction = 0;
        CompactIfLarge();
    }

    public IReadOnlyCollection<string> Groups => _state.Groups;

    /// <summary>Current length of the journal file, in bytes.</summary>
    public long JournalBytes
    {
        get
        {
            lock (_writeGate) return _journal.Length;
        }
    }

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        lock (_writeGate)
        {
            WriteEntry(OffsetJournalEncoding.EncodeCommit(group, offsets));
            _state.Commit(group, offsets);
            CompactIfLarge();
        }
    }

    public bool TryGet(string group, string topic, int partition, out CommittedOffset offset) =>
        _state.TryGet(group, topic, partition, out offset);

    public IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group) => _state.GetAll(group);

    public void DeleteTopic(string topic)
    {
        lock (_writeGate)
        {
            WriteEntry(OffsetJournalEncoding.EncodeName(DeleteTopicEntry, topic));
            _state.DeleteTopic(topic);
        }
    }

    public void DeleteGroup(string group)
    {
        lock (_writeGate)
        {
            WriteEntry(OffsetJournalEncoding.EncodeName(DeleteGroupEntry, group));
            _state.DeleteGroup(group);
        }
    }

    public int ExpireOffsets(string group, long committedBeforeMs)
    {
        lock (_writeGate)
        {
            // Nothing to expire writes nothing: the expiry timer must not grow the journal on its own.
            if (!_state.GetAll(group).Any(p => p.Offset.CommitTimestampMs < committedBeforeMs)) return 0;
            WriteEntry(OffsetJournalEncoding.EncodeExpiry(group, committedBeforeMs));
            return _state.ExpireOffsets(group, committedBeforeMs);
        }
    }

    public void Dispose()
    {
        lock (_writeGate)
            _journal.Dispose();
    }

    private void WriteEntry(byte[] payload)
    {
        if (_truncatePendingAt >= 0)
        {
            _journal.SetLength(_truncatePendingAt);
            _journal.Position = _truncatePendingAt;
            _truncatePendingAt = -1;
        }
        long start = _journal.Position;
        try
        {
            _journal.Write(OffsetJournalEncoding.Frame(payload));
            _journal.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CutBackTo(start);
            throw;
        }
    }

    private void CutBackTo(long length)
    {
        try
        {
            _journal.SetLength(length);
            _journal.Position = length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _truncatePendingAt = length;
        }
    }

    private void CompactIfLarge()
    {
        if (_journal.Length - _bytesAtLastCompaction < _compactionThresholdBytes)
            return;

        // Streamed group by group into the temp file: no copy of the whole state is built in memory.
        var temp = _journalPath + ".tmp";
        using (var snapshot = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            foreach (var group in _state.Groups)
            {
                var offsets = _state.GetAll(group);
                if (offsets.Count > 0) snapshot.Write(OffsetJournalEncoding.Frame(OffsetJournalEncoding.EncodeCommit(group, offsets)));
            }
            snapshot.Flush(flushToDisk: true);
        }
        _journal.Dispose();
        // Rename is atomic: a crash leaves either the old journal or the compacted one, never a mix.
        File.Move(temp, _journalPath, overwrite: true);
        _journal = new FileStream(_journalPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _journal.Position = _journal.Length;
        _bytesAtLastCompaction = _journal.Length;
    }
}

/// <summary>The journal's entry layouts (BinaryWriter encoding: little-endian numbers, 7-bit-length UTF-8 strings).</summary>
internal static class OffsetJournalEncoding
{
    public static byte[] Frame(byte[] payload)
    {
        var entry = new byte[FileGroupOffsetStore.EntryHeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(entry, payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(4), Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, payload));
        payload.CopyTo(entry, FileGroupOffsetStore.EntryHeaderSize);
        return entry;
    }

    public static byte[] EncodeCommit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FileGroupOffsetStore.CommitEntry);
            writer.Write(group);
            writer.Write(offsets.Count);
            foreach (var (topic, partition, offset) in offsets)
            {
                writer.Write(topic);
                writer.Write(partition);
                writer.Write(offset.Offset);
                writer.Write(offset.LeaderEpoch);
                writer.Write(offset.Metadata is not null);
                if (offset.Metadata is not null)
                    writer.Write(offset.Metadata);
                writer.Write(offset.CommitTimestampMs);
            }
        }
        return stream.ToArray();
    }

    public static byte[] EncodeName(byte kind, string name)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(kind);
            writer.Write(name);
        }
        return stream.ToArray();
    }

    public static byte[] EncodeExpiry(string group, long committedBeforeMs)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FileGroupOffsetStore.ExpireOffsetsEntry);
            writer.Write(group);
            writer.Write(committedBeforeMs);
        }
        return stream.ToArray();
    }
}
