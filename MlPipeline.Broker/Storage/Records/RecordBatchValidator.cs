using System.Buffers;
using System.Buffers.Binary;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Checks the records of one produced partition before they are appended (protocol brief §3), as Kafka's
/// LogValidator does: the header and CRC, then every record of the batch, decompressed with a bound (the topic's
/// max.message.bytes) and walked by <see cref="RecordSectionReader"/>. A batch is stored only when every record
/// decodes and agrees with the header (recordCount, lastOffsetDelta, offset deltas 0..n-1, maxTimestamp), so no
/// stored batch can stall or break a reader. Cost: one CRC pass plus one pass over the records (and one bounded
/// decompression for a compressed batch); nothing is allocated for an uncompressed batch.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>
    /// Validates that <paramref name="records"/> is exactly one well-formed v2 batch of at most
    /// <paramref name="maxBatchBytes"/>. On success returns <see cref="ErrorCode.None"/> with the parsed header;
    /// otherwise the error to answer and a human-readable reason (for logs and v8 error_message).
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxBatchBytes, out RecordBatchHeader header, out string? reason) =>
        Validate(records, maxBatchBytes, decompressions: null, out header, out reason, out _);

    /// <summary>
    /// As <see cref="Validate(ReadOnlySpan{byte}, int, out RecordBatchHeader, out string?)"/>, counting decompressions in
    /// <paramref name="decompressions"/>, and naming the record at fault in <paramref name="badRecordIndex"/> (-1 when the
    /// fault is the batch's, not one record's): Produce v8+ answers it in record_errors.
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxBatchBytes, DecompressionCounter? decompressions,
        out RecordBatchHeader header, out string? reason, out int badRecordIndex)
    {
        header = default;
        badRecordIndex = -1;
        if (records.Length < RecordBatchHeader.Size)
            return Fail(ErrorCode.CorruptMessage, $"records are {records.Length} bytes, shorter than a {RecordBatchHeader.Size}-byte batch header", out reason);

        // The magic byte is read before anything else: a v0/v1 message set has a different layout, so
        // every later field would be garbage.
        var magic = (sbyte)records[RecordBatchHeader.MagicPosition];
        if (magic != RecordBatchHeader.CurrentMagic)
            return Fail(ErrorCode.CorruptMessage, $"magic {magic} is not 2 (only record batch v2 is supported)", out reason);

        header = RecordBatchHeader.Parse(records);
        if (header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead)
            return Fail(ErrorCode.CorruptMessage, $"batchLength {header.BatchLength} is smaller than the header", out reason);

        // Size before "more than one batch": a producer that overflows max.message.bytes must hear
        // MESSAGE_TOO_LARGE (so it can split), not a protocol violation.
        if (records.Length > maxBatchBytes)
            return Fail(ErrorCode.MessageTooLarge, $"batch of {records.Length} bytes exceeds the limit of {maxBatchBytes}", out reason);

        var declared = (long)header.BatchLength + RecordBatchHeader.LogOverhead;
        if (records.Length > declared)
            return Fail(ErrorCode.InvalidRecord, $"records hold {records.Length} bytes but the first batch is {declared}: exactly one batch per partition is accepted", out reason);
        if (records.Length < declared)
            return Fail(ErrorCode.CorruptMessage, $"records hold {records.Length} bytes but batchLength says {declared}", out reason);

        var crc = RecordBatchHeader.ComputeCrc(records);
        if (crc != header.Crc)
            return Fail(ErrorCode.CorruptMessage, $"CRC-32C mismatch: header {header.Crc:x8}, computed {crc:x8}", out reason);

        if (header.CodecId > (int)CompressionCodec.Zstd)
            return Fail(ErrorCode.UnsupportedCompressionType, $"compression codec {header.CodecId} is unknown", out reason);
        if (header.IsControl)
            return Fail(ErrorCode.InvalidRecord, "control batches are written by the broker, not producers", out reason);
        if (header.RecordCount <= 0 || header.LastOffsetDelta != header.RecordCount - 1)
            return Fail(ErrorCode.InvalidRecord, $"lastOffsetDelta {header.LastOffsetDelta} does not match recordCount {header.RecordCount}", out reason);

        return ValidateRecords(records, header, maxBatchBytes, decompressions, out reason, out badRecordIndex);
    }

    /// <summary>Decodes the records section (decompressing it, bounded) and checks every record against the header.</summary>
    private static ErrorCode ValidateRecords(ReadOnlySpan<byte> batch, in RecordBatchHeader header, int maxBatchBytes,
        DecompressionCounter? decompressions, out string? reason, out int badRecordIndex)
    {
        badRecordIndex = -1;
        var body = batch[RecordBatchHeader.Size..];
        if (header.Codec == CompressionCodec.None)
            return CheckRecords(body, header, out reason, out badRecordIndex);

        // Every record takes at least MinRecordBytes once decompressed, so a count the bound cannot hold is a lie
        // that needs no decompression to detect.
        if (header.RecordCount > maxBatchBytes / RecordSectionReader.MinRecordBytes)
            return Fail(ErrorCode.InvalidRecord, $"recordCount {header.RecordCount} cannot fit in max.message.bytes ({maxBatchBytes})", out reason);
        decompressions?.Increment();
        var outcome = RecordCompression.TryDecompressBounded(header.Codec, body, maxBatchBytes, out var rented, out int length, out string? error);
        try
        {
            return outcome switch
            {
                DecompressionOutcome.Decoded => CheckRecords(rented.AsSpan(0, length), header, out reason, out badRecordIndex),
                // MESSAGE_TOO_LARGE, not INVALID_RECORD: a Java producer answers it by splitting the batch and retrying.
                DecompressionOutcome.TooLarge => Fail(ErrorCode.MessageTooLarge, error!, out reason),
                _ => Fail(ErrorCode.CorruptMessage, error!, out reason),
            };
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ErrorCode CheckRecords(ReadOnlySpan<byte> section, in RecordBatchHeader header, out string? reason, out int badRecordIndex)
    {
        badRecordIndex = -1;
        if (header.RecordCount > section.Length / RecordSectionReader.MinRecordBytes)
            return Fail(ErrorCode.InvalidRecord, $"recordCount {header.RecordCount} cannot fit in the {section.Length} bytes of records", out reason);

        var reader = new RecordSectionReader(section);
        long maxTimestamp = long.MinValue;
        for (int i = 0; i < header.RecordCount; i++)
        {
            if (reader.AtEnd)
                return Fail(ErrorCode.InvalidRecord, $"recordCount is {header.RecordCount} but the batch holds only {i} records", out reason);
            if (!reader.TryReadNext(out var record, out string? error))
                return FailRecord(i, $"record {i} is malformed: {error}", out reason, out badRecordIndex);
            // Kafka requires offsets inside a batch to run 0..n-1; readers compute each record's offset from them.
            if (record.OffsetDelta != i)
                return FailRecord(i, $"record {i} has offsetDelta {record.OffsetDelta}, expected {i}", out reason, out badRecordIndex);
            long timestamp = header.BaseTimestamp + record.TimestampDelta;
            if (((header.BaseTimestamp ^ timestamp) & (record.TimestampDelta ^ timestamp)) < 0)
                return FailRecord(i, $"record {i} has timestampDelta {record.TimestampDelta}, which overflows from baseTimestamp {header.BaseTimestamp}", out reason, out badRecordIndex);
            maxTimestamp = Math.Max(maxTimestamp, timestamp);
        }
        if (!reader.AtEnd)
            return Fail(ErrorCode.InvalidRecord, $"{section.Length - reader.Position} bytes follow the {header.RecordCount} records the batch declares", out reason);
        // The header's maxTimestamp answers ListOffsets by time and drives retention without decoding records, so it
        // must be the truth. (Kafka rewrites it; a producer that gets it wrong is broken, so it is refused here
        // rather than stored with a recomputed CRC.) With log-append time the broker's clock applies instead.
        if (!header.IsLogAppendTime && maxTimestamp != header.MaxTimestamp)
            return Fail(ErrorCode.InvalidRecord, $"maxTimestamp {header.MaxTimestamp} is not the largest record timestamp {maxTimestamp}", out reason);
        reason = null;
        return ErrorCode.None;
    }

    private static ErrorCode FailRecord(int index, string why, out string? reason, out int badRecordIndex)
    {
        badRecordIndex = index;
        reason = why;
        return ErrorCode.InvalidRecord;
    }

    /// <summary>
    /// Cheap structural check used by log recovery: length fits, magic 2, CRC matches. Returns the batch's
    /// total size, or -1 when the bytes at the start of <paramref name="data"/> are not a complete good batch.
    /// </summary>
    internal static int CompleteBatchLength(ReadOnlySpan<byte> data)
    {
        if (data.Length < RecordBatchHeader.Size || (sbyte)data[RecordBatchHeader.MagicPosition] != RecordBatchHeader.CurrentMagic)
            return -1;
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(data[RecordBatchHeader.BatchLengthPosition..]);
        if (batchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || batchLength > data.Length - RecordBatchHeader.LogOverhead)
            return -1;
        var total = batchLength + RecordBatchHeader.LogOverhead;
        var batch = data[..total];
        return RecordBatchHeader.ComputeCrc(batch) == BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatchHeader.CrcPosition..]) ? total : -1;
    }

    private static ErrorCode Fail(ErrorCode code, string why, out string? reason)
    {
        reason = why;
        return code;
    }
}
