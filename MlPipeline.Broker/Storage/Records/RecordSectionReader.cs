namespace MlPipeline.Broker.Storage.Records;

/// <summary>What <see cref="RecordSectionReader"/> learned about one record: enough to check it against its batch.</summary>
public readonly record struct RecordSummary(long TimestampDelta, int OffsetDelta);

/// <summary>
/// Walks the records section of a v2 batch (after decompression) one record at a time, checking each record's
/// structure the way Kafka's <c>DefaultRecord.readFrom</c> does: a sane length, well-formed varints, key, value and
/// header lengths inside the record, a header count the record can hold, no null header key, and a record length
/// that matches the fields it contains. Nothing is copied or allocated: keys, values and headers are skipped.
/// Used on produce (every record of every batch) and by the time lookup (records of an uncompressed stored batch).
/// </summary>
public ref struct RecordSectionReader(ReadOnlySpan<byte> records)
{
    /// <summary>attributes, timestampDelta, offsetDelta, key length, value length, header count: one byte each at least.</summary>
    public const int MinRecordBytes = 6;

    /// <summary>A header is at least a key length and a value length.</summary>
    private const int MinHeaderBytes = 2;

    private readonly ReadOnlySpan<byte> _records = records;
    private int _position;

    /// <summary>True when every byte of the section has been read.</summary>
    public readonly bool AtEnd => _position >= _records.Length;

    public readonly int Position => _position;

    /// <summary>
    /// Reads the next record. False with a reason when the record is malformed; the reader is then unusable.
    /// The caller decides when the section should end (the batch's recordCount) and checks <see cref="AtEnd"/>.
    /// </summary>
    public bool TryReadNext(out RecordSummary record, out string? error)
    {
        record = default;
        if (!TryReadVarlong(_records, ref _position, out long length))
            return Fail("its length is not a valid varint", out error);
        if (length < MinRecordBytes || length > _records.Length - _position)
            return Fail($"its length {length} is outside {MinRecordBytes}..{_records.Length - _position} (the bytes left in the batch)", out error);

        var body = _records.Slice(_position, (int)length);
        _position += (int)length;
        int at = 1; // attributes: unused in v2, any value is accepted (as Kafka does)
        if (!TryReadVarlong(body, ref at, out long timestampDelta))
            return Fail("its timestampDelta is not a valid varint", out error);
        if (!TryReadVarlong(body, ref at, out long offsetDelta) || offsetDelta is < int.MinValue or > int.MaxValue)
            return Fail("its offsetDelta is not a valid 32-bit varint", out error);
        if (!TrySkipBytes(body, ref at, allowNull: true))
            return Fail("its key length is negative or runs past the record", out error);
        if (!TrySkipBytes(body, ref at, allowNull: true))
            return Fail("its value length is negative or runs past the record", out error);
        if (!TryReadVarlong(body, ref at, out long headerCount))
            return Fail("its header count is not a valid varint", out error);
        // Checked before looping: a 71-byte batch can claim 16 million headers, and the record itself bounds them.
        if (headerCount < 0 || headerCount > (body.Length - at) / MinHeaderBytes)
            return Fail($"it claims {headerCount} headers but only {body.Length - at} bytes are left in it", out error);
        for (long h = 0; h < headerCount; h++)
        {
            if (!TrySkipBytes(body, ref at, allowNull: false))
                return Fail($"header {h} has a null, negative or overlong key", out error);
            if (!TrySkipBytes(body, ref at, allowNull: true))
                return Fail($"header {h} has a negative or overlong value", out error);
        }
        if (at != body.Length)
            return Fail($"its fields take {at} bytes but its length says {body.Length}", out error);

        record = new RecordSummary(timestampDelta, (int)offsetDelta);
        error = null;
        return true;
    }

    private static bool Fail(string why, out string? error)
    {
        error = why;
        return false;
    }

    /// <summary>A length-prefixed byte field (varint length, -1 = null) whose bytes lie inside <paramref name="body"/>.</summary>
    private static bool TrySkipBytes(ReadOnlySpan<byte> body, ref int position, bool allowNull)
    {
        if (!TryReadVarlong(body, ref position, out long length))
            return false;
        if (length == -1)
            return allowNull;
        if (length < 0 || length > body.Length - position)
            return false;
        position += (int)length;
        return true;
    }

    /// <summary>A zig-zag varlong of at most 10 bytes (the bytes a 64-bit value can need).</summary>
    private static bool TryReadVarlong(ReadOnlySpan<byte> data, ref int position, out long value)
    {
        ulong raw = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length)
                break;
            byte b = data[position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }
}
