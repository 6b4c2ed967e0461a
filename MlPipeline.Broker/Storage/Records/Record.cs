namespace MlPipeline.Broker.Storage.Records;

/// <summary>One header of a record: a UTF-8 key and nullable bytes.</summary>
public sealed record RecordHeader(string Key, byte[]? Value);

/// <summary>
/// A record as a producer gives it to <see cref="RecordBatchBuilder"/>: null key/value are Kafka nulls
/// (distinct from empty), timestamp in Unix milliseconds (CreateTime).
/// </summary>
public sealed record RecordToWrite(byte[]? Key, byte[]? Value, long Timestamp, IReadOnlyList<RecordHeader>? Headers = null);

/// <summary>A record decoded from a stored batch, with its absolute offset and timestamp.</summary>
public sealed record DecodedRecord(long Offset, long Timestamp, byte[]? Key, byte[]? Value, IReadOnlyList<RecordHeader> Headers);
