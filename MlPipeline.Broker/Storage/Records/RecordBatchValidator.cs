using System.Buffers.Binary;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Checks the records of one produced partition before they are appended (protocol brief §3). Only the
/// header and CRC are inspected: records stay compressed, so the cost per batch is one CRC pass.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>
    /// Validates that <paramref name="records"/> is exactly one well-formed v2 batch of at most
    /// <paramref name="maxBatchBytes"/>. On success returns <see cref="ErrorCode.None"/> with the parsed header;
    /// otherwise the error to answer and a human-readable reason (for logs and v8 error_message).
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> records, int maxBatchBytes, out RecordBatchHeader header, out string? reason)
    {
        header = default;
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

        reason = null;
        return ErrorCode.None;
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
