using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// Replays an offset journal (<see cref="FileGroupOffsetStore"/>) front to back as a stream: one reused buffer for
/// the entries, plain dictionaries that overwrite in place, and group and topic names decoded once each (a name
/// seen again is looked up from its bytes, not allocated again). So replaying a journal of a million commits to the
/// same few partitions costs about what its live offsets cost, not what its length does. Single-threaded: it runs
/// once, inside the store's constructor.
/// </summary>
internal sealed class OffsetJournalReplay
{
    private const int ReadBufferBytes = 64 * 1024;

    // group => (topic, partition) => offset: the live state while replaying
    private readonly Dictionary<string, Dictionary<(string Topic, int Partition), CommittedOffset>> _groups = new(StringComparer.Ordinal);
    // every group and topic name met so far, so that its next occurrence allocates nothing
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _namesBySpan;
    private char[] _chars = new char[256];

    private OffsetJournalReplay() => _namesBySpan = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The replayed state and the length of the journal's intact prefix.</summary>
    public sealed record Result(InMemoryGroupOffsetStore State, long ValidLength);

    /// <summary>Replays <paramref name="journal"/> from its start; stops at the first torn, corrupt or unknown entry.</summary>
    public static Result Run(FileStream journal)
    {
        var replay = new OffsetJournalReplay();
        long validLength = replay.ApplyAll(journal);
        var state = new InMemoryGroupOffsetStore();
        foreach (var (group, partitions) in replay._groups)
            foreach (var ((topic, partition), offset) in partitions)
                state.Set(group, topic, partition, offset);
        return new Result(state, validLength);
    }

    private long ApplyAll(FileStream journal)
    {
        long length = journal.Length;
        journal.Position = 0;
        // Not disposed: that would close the journal, which the store goes on appending to.
        var input = new BufferedStream(journal, ReadBufferBytes);
        var header = new byte[FileGroupOffsetStore.EntryHeaderSize];
        var payload = ArrayPool<byte>.Shared.Rent(4096);
        long position = 0;
        try
        {
            while (length - position >= FileGroupOffsetStore.EntryHeaderSize)
            {
                input.ReadExactly(header);
                int payloadLength = BinaryPrimitives.ReadInt32BigEndian(header);
                if (payloadLength <= 0 || payloadLength > length - position - FileGroupOffsetStore.EntryHeaderSize)
                    break;
                if (payload.Length < payloadLength)
                {
                    ArrayPool<byte>.Shared.Return(payload);
                    payload = ArrayPool<byte>.Shared.Rent(payloadLength);
                }
                var entry = payload.AsSpan(0, payloadLength);
                input.ReadExactly(entry);
                if (Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, entry) != BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)))
                    break;
                if (!TryApply(entry))
                    break;
                position += FileGroupOffsetStore.EntryHeaderSize + payloadLength;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
        return position;
    }

    /// <summary>Applies one CRC-valid entry; false when it does not decode (written by something else: stop here).</summary>
    private bool TryApply(ReadOnlySpan<byte> entry)
    {
        var reader = new EntryReader(entry);
        if (!reader.TryReadByte(out byte kind)) return false;
        switch (kind)
        {
            case FileGroupOffsetStore.CommitEntry:
            {
                if (!TryReadName(ref reader, out string group) || !reader.TryReadInt32(out int count) || count < 0) return false;
                // Decoded fully before anything is applied, so a bad entry changes nothing.
                var start = reader;
                for (int i = 0; i < count; i++)
                    if (!TrySkipOffset(ref reader)) return false;
                reader = start;
                if (!_groups.TryGetValue(group, out var partitions))
                    _groups[group] = partitions = [];
                for (int i = 0; i < count; i++)
                {
                    TryReadName(ref reader, out string topic);
                    reader.TryReadInt32(out int partition);
                    reader.TryReadInt64(out long offset);
                    reader.TryReadInt32(out int epoch);
                    reader.TryReadByte(out byte hasMetadata);
                    string? metadata = hasMetadata != 0 ? ReadMetadata(ref reader) : null;
                    reader.TryReadInt64(out long timestamp);
                    partitions[(topic, partition)] = new CommittedOffset(offset, epoch, metadata, timestamp);
                }
                return true;
            }
            case FileGroupOffsetStore.DeleteTopicEntry:
            {
                if (!TryReadName(ref reader, out string topic)) return false;
                foreach (var partitions in _groups.Values)
                    foreach (var key in partitions.Keys.Where(k => k.Topic == topic).ToArray())
                        partitions.Remove(key);
                return true;
            }
            case FileGroupOffsetStore.DeleteGroupEntry:
            {
                if (!TryReadName(ref reader, out string group)) return false;
                _groups.Remove(group);
                return true;
            }
            case FileGroupOffsetStore.ExpireOffsetsEntry:
            {
                if (!TryReadName(ref reader, out string group) || !reader.TryReadInt64(out long committedBeforeMs)) return false;
                if (_groups.TryGetValue(group, out var partitions))
                {
                    foreach (var key in partitions.Where(p => p.Value.CommitTimestampMs < committedBeforeMs).Select(p => p.Key).ToArray())
                        partitions.Remove(key);
                    if (partitions.Count == 0) _groups.Remove(group);
                }
                return true;
            }
            default:
                return false;
        }
    }

    private bool TrySkipOffset(ref EntryReader reader) =>
        reader.TrySkipString() && reader.TrySkip(4 + 8 + 4) && reader.TryReadByte(out byte hasMetadata)
        && (hasMetadata == 0 || reader.TrySkipString()) && reader.TrySkip(8);

    /// <summary>A group or topic name, allocated only the first time it is met.</summary>
    private bool TryReadName(ref EntryReader reader, out string name)
    {
        name = "";
        if (!reader.TryReadStringBytes(out var utf8)) return false;
        int charCount = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        if (_chars.Length < charCount) _chars = new char[Math.Max(charCount, _chars.Length * 2)];
        int decoded = Encoding.UTF8.GetChars(utf8, _chars);
        var chars = _chars.AsSpan(0, decoded);
        if (_namesBySpan.TryGetValue(chars, out var known))
        {
            name = known;
            return true;
        }
        name = new string(chars);
        _names[name] = name;
        return true;
    }

    /// <summary>Commit metadata: the empty string allocates nothing; anything else is the client's own text.</summary>
    private static string ReadMetadata(ref EntryReader reader)
    {
        reader.TryReadStringBytes(out var utf8);
        return utf8.IsEmpty ? "" : Encoding.UTF8.GetString(utf8);
    }

    /// <summary>Reads BinaryWriter's encoding from a span; every read says whether the bytes were there.</summary>
    private ref struct EntryReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public bool TryReadByte(out byte value)
        {
            value = 0;
            if (_position >= _bytes.Length) return false;
            value = _bytes[_position++];
            return true;
        }

        public bool TryReadInt32(out int value)
        {
            value = 0;
            if (_bytes.Length - _position < 4) return false;
            value = BinaryPrimitives.ReadInt32LittleEndian(_bytes[_position..]);
            _position += 4;
            return true;
        }

        public bool TryReadInt64(out long value)
        {
            value = 0;
            if (_bytes.Length - _position < 8) return false;
            value = BinaryPrimitives.ReadInt64LittleEndian(_bytes[_position..]);
            _position += 8;
            return true;
        }

        public bool TrySkip(int count)
        {
            if (_bytes.Length - _position < count) return false;
            _position += count;
            return true;
        }

        public bool TrySkipString() => TryReadStringBytes(out _);

        /// <summary>A 7-bit-encoded length (at most 5 bytes) followed by that many UTF-8 bytes.</summary>
        public bool TryReadStringBytes(out ReadOnlySpan<byte> utf8)
        {
            utf8 = default;
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (shift > 28 || !TryReadByte(out byte part)) return false;
                length |= (part & 0x7F) << shift;
                if ((part & 0x80) == 0) break;
            }
            if (length < 0 || _bytes.Length - _position < length) return false;
            utf8 = _bytes.Slice(_position, length);
            _position += length;
            return true;
        }
    }
}
