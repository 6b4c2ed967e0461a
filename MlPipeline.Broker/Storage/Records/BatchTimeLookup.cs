namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Answers "the first record at or after this time" inside one stored batch whose maxTimestamp reaches that time,
/// without ever decompressing (ListOffsets by timestamp must cost a reader only header reads, however hostile the
/// stored data). An uncompressed batch is walked record by record (a bounded pass over bytes already read, nothing
/// allocated) for the exact record. A compressed batch is answered from its header: its base offset, which is where a
/// consumer must start to see that record anyway (batches are delivered whole), with baseTimestamp when the first
/// record already qualifies (then the answer is exact) and otherwise maxTimestamp, the time of a record of this batch
/// that is at or after the target. Kafka decompresses here; the cost of that (a stored bomb cost seconds and hundreds of
/// MB per lookup) is why this broker answers compressed batches at batch granularity instead.
/// </summary>
public static class BatchTimeLookup
{
    /// <summary>True when the records are worth reading: uncompressed, CreateTime, and no larger than <paramref name="maxBatchBytes"/>.</summary>
    public static bool CanWalkRecords(in RecordBatchHeader header, int maxBatchBytes) =>
        header.Codec == CompressionCodec.None && !header.IsLogAppendTime && header.TotalSize <= maxBatchBytes;

    /// <summary>The answer from the header alone (see the class comment).</summary>
    public static (long Offset, long Timestamp) FromHeader(in RecordBatchHeader header, long timestamp) =>
        !header.IsLogAppendTime && header.BaseTimestamp >= timestamp
            ? (header.BaseOffset, header.BaseTimestamp)
            : (header.BaseOffset, header.MaxTimestamp);

    /// <summary>
    /// The exact record in an uncompressed <paramref name="batch"/>; falls back to <see cref="FromHeader"/> when the
    /// stored records do not decode (a batch written before records were validated), so a bad batch never fails the lookup.
    /// </summary>
    public static (long Offset, long Timestamp) WalkRecords(ReadOnlySpan<byte> batch, in RecordBatchHeader header, long timestamp)
    {
        if (batch.Length < header.TotalSize || header.TotalSize < RecordBatchHeader.Size)
            return FromHeader(header, timestamp);
        var reader = new RecordSectionReader(batch[RecordBatchHeader.Size..header.TotalSize]);
        for (int i = 0; i < header.RecordCount && !reader.AtEnd; i++)
        {
            if (!reader.TryReadNext(out var record, out _))
                break;
            long recordTimestamp = header.BaseTimestamp + record.TimestampDelta;
            if (recordTimestamp >= timestamp)
                return (header.BaseOffset + record.OffsetDelta, recordTimestamp);
        }
        return FromHeader(header, timestamp);
    }
}
