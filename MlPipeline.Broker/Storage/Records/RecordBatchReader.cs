using System.Text;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Decodes the records of one stored v2 batch (decompressing when needed). The broker itself only needs
/// this for exact timestamp look-ups; tests and tools use it to inspect what was stored.
/// </summary>
public static class RecordBatchReader
{
    /// <summary>All records of the batch at the start of <paramref name="batch"/>, with absolute offsets.</summary>
    public static IReadOnlyList<DecodedRecord> ReadRecords(ReadOnlySpan<byte> batch)
    {
        var header = RecordBatchHeader.Parse(batch);
        var records = new List<DecodedRecord>(Math.Max(0, Math.Min(header.RecordCount, 65_536)));
        Decode(batch, header, record =>
        {
            records.Add(record);
            return true;
        });
        return records;
    }

    /// <summary>
    /// Every batch laid end to end in <paramref name="batches"/> (e.g. a Fetch result), decoded in order.
    /// </summary>
    public static IReadOnlyList<DecodedRecord> ReadAllRecords(ReadOnlySpan<byte> batches)
    {
        var records = new List<DecodedRecord>();
        while (batches.Length >= RecordBatchHeader.Size)
        {
            var header = RecordBatchHeader.Parse(batches);
            records.AddRange(ReadRecords(batches[..header.TotalSize]));
            batches = batches[header.TotalSize..];
        }
        return records;
    }

    /// <summary>The first record whose timestamp is ≥ <paramref name="timestamp"/>, or null.</summary>
    public static (long Offset, long Timestamp)? FindFirstAtOrAfter(ReadOnlySpan<byte> batch, long timestamp)
    {
        var header = RecordBatchHeader.Parse(batch);
        (long, long)? found = null;
        Decode(batch, header, record =>
        {
            if (record.Timestamp < timestamp)
                return true;
            found = (record.Offset, record.Timestamp);
            return false;
        });
        return found;
    }

    private static void Decode(ReadOnlySpan<byte> batch, RecordBatchHeader header, Func<DecodedRecord, bool> onRecord)
    {
        var body = batch[RecordBatchHeader.Size..header.TotalSize];
        ReadOnlySpan<byte> data = header.Codec == CompressionCodec.None ? body : RecordCompression.Decompress(header.Codec, body);

        var position = 0;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var length = RecordVarint.ReadVarint(data, ref position);
            if (length < 0 || length > data.Length - position)
                throw new InvalidDataException($"record {i} of {length} bytes runs past the end of the batch");
            var end = position + length;
            var record = data[..end];
            position++; // attributes: unused in v2
            var timestampDelta = RecordVarint.ReadVarlong(record, ref position);
            var offsetDelta = RecordVarint.ReadVarint(record, ref position);
            var key = ReadBytes(record, ref position);
            var value = ReadBytes(record, ref position);
            var headerCount = RecordVarint.ReadVarint(record, ref position);
            var headers = headerCount <= 0 ? [] : new RecordHeader[headerCount];
            for (var h = 0; h < headerCount; h++)
            {
                var keyBytes = ReadBytes(record, ref position) ?? throw new InvalidDataException("record header key is null");
                headers[h] = new RecordHeader(Encoding.UTF8.GetString(keyBytes), ReadBytes(record, ref position));
            }
            position = end;

            // With log-append time the batch's maxTimestamp is the time of every record (KIP-32).
            var recordTimestamp = header.IsLogAppendTime ? header.MaxTimestamp : header.BaseTimestamp + timestampDelta;
            if (!onRecord(new DecodedRecord(header.BaseOffset + offsetDelta, recordTimestamp, key, value, headers)))
                return;
        }
    }

    private static byte[]? ReadBytes(ReadOnlySpan<byte> record, ref int position)
    {
        var length = RecordVarint.ReadVarint(record, ref position);
        if (length < 0)
            return null;
        if (length > record.Length - position)
            throw new InvalidDataException($"record field of {length} bytes runs past the end of the record");
        var bytes = record.Slice(position, length).ToArray();
        position += length;
        return bytes;
    }
}
