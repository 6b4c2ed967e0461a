using System.Buffers.Binary;
using System.IO.Hashing;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// Committed offsets made durable by an append-only journal, <c>offsets.journal</c>: each entry is
/// [int32 payload length][uint32 CRC-32C of payload][payload], fsynced before <see cref="Commit"/> returns.
/// At open the journal is replayed into an <see cref="InMemoryGroupOffsetStore"/> (which serves all reads);
/// a torn or corrupt tail — a crash mid-write — ends the replay and is cut off. When the journal has grown
/// well past the live state it is compacted: the state is written to a temp file and renamed over it.
/// All writes are serialized by one lock; reads go straight to the in-memory view.
/// </summary>
public sealed class FileGroupOffsetStore : IGroupOffsetStore, IDisposable
{
    private const int EntryHeaderSize = 8;
    private const byte CommitEntry = 1;
    private const byte DeleteTopicEntry = 2;
    private const byte DeleteGroupEntry = 3;

    private readonly object _writeGate = new();
    private readonly InMemoryGroupOffsetStore _state = new();
    private readonly string _journalPath;
    private readonly long _compactionThresholdBytes;
    private FileStream _journal;
    private long _bytesAtLastCompaction;

    /// <param name="directory">Folder holding the journal (created if missing).</param>
    /// <param name="compactionThresholdBytes">Journal growth since the last compaction that triggers the next one.</param>
    public FileGroupOffsetStore(string directory, long compactionThresholdBytes = 16 * 1024 * 1024)
    {
        Directory.CreateDirectory(directory);
        _journalPath = Path.Combine(directory, "offsets.journal");
        _compactionThresholdBytes = compactionThresholdBytes;
        _journal = new FileStream(_journalPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var validLength = Replay();
        if (validLength < _journal.Length)
        {
            _journal.SetLength(validLength);
            _journal.Flush(flushToDisk: true);
        }
        _journal.Position = validLength;
        _bytesAtLastCompaction = validLength;
    }

    public IReadOnlyCollection<string> Groups => _state.Groups;

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        lock (_writeGate)
        {
            WriteEntry(EncodeCommit(group, offsets));
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
            WriteEntry(EncodeName(DeleteTopicEntry, topic));
            _state.DeleteTopic(topic);
        }
    }

    public void DeleteGroup(string group)
    {
        lock (_writeGate)
        {
            WriteEntry(EncodeName(DeleteGroupEntry, group));
            _state.DeleteGroup(group);
        }
    }

    public void Dispose()
    {
        lock (_writeGate)
            _journal.Dispose();
    }

    private void WriteEntry(byte[] payload)
    {
        _journal.Write(Frame(payload));
        _journal.Flush(flushToDisk: true);
    }

    private static byte[] Frame(byte[] payload)
    {
        var entry = new byte[EntryHeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(entry, payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(4), Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, payload));
        payload.CopyTo(entry, EntryHeaderSize);
        return entry;
    }

    /// <summary>Applies every intact entry; returns the length of the intact prefix.</summary>
    private long Replay()
    {
        var bytes = new byte[_journal.Length];
        _journal.Position = 0;
        _journal.ReadExactly(bytes);
        var position = 0;
        while (bytes.Length - position >= EntryHeaderSize)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            if (length <= 0 || length > bytes.Length - position - EntryHeaderSize)
                break;
            var payload = bytes.AsSpan(position + EntryHeaderSize, length);
            if (Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, payload) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 4)))
                break;
            if (!TryApply(payload))
                break;
            position += EntryHeaderSize + length;
        }
        return position;
    }

    private bool TryApply(ReadOnlySpan<byte> payload)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload.ToArray()));
            switch (reader.ReadByte())
            {
                case CommitEntry:
                    var group = reader.ReadString();
                    var count = reader.ReadInt32();
                    var offsets = new (string, int, CommittedOffset)[count];
                    for (var i = 0; i < count; i++)
                    {
                        var topic = reader.ReadString();
                        var partition = reader.ReadInt32();
                        var offset = reader.ReadInt64();
                        var epoch = reader.ReadInt32();
                        var metadata = reader.ReadBoolean() ? reader.ReadString() : null;
                        var timestamp = reader.ReadInt64();
                        offsets[i] = (topic, partition, new CommittedOffset(offset, epoch, metadata, timestamp));
                    }
                    _state.Commit(group, offsets);
                    return true;
                case DeleteTopicEntry:
                    _state.DeleteTopic(reader.ReadString());
                    return true;
                case DeleteGroupEntry:
                    _state.DeleteGroup(reader.ReadString());
                    return true;
                default:
                    return false;
            }
        }
        catch (EndOfStreamException)
        {
            // A CRC-valid entry that still doesn't decode was written by something else: stop replay here.
            return false;
        }
    }

    private void CompactIfLarge()
    {
        if (_journal.Length - _bytesAtLastCompaction < _compactionThresholdBytes)
            return;

        using var snapshot = new MemoryStream();
        foreach (var group in _state.Groups)
        {
            snapshot.Write(Frame(EncodeCommit(group, _state.GetAll(group))));
        }
        _journal.Dispose();
        // Rename is atomic: a crash leaves either the old journal or the compacted one, never a mix.
        DurableFile.WriteAtomically(_journalPath, snapshot.GetBuffer().AsSpan(0, (int)snapshot.Length));
        _journal = new FileStream(_journalPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _journal.Position = _journal.Length;
        _bytesAtLastCompaction = _journal.Length;
    }

    private static byte[] EncodeCommit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(CommitEntry);
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

    private static byte[] EncodeName(byte kind, string name)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(kind);
            writer.Write(name);
        }
        return stream.ToArray();
    }
}
