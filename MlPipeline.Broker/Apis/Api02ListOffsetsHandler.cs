using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// ListOffsets (key 2), versions 1–5 (v0 has the old multi-offset layout; v6 is flexible).
//
// timestamp -1 → the high watermark (log end), -2 → the log start offset, anything else → the first record
// whose timestamp is ≥ it, with that timestamp (offset and timestamp -1 when there is none), found from batch
// headers without decompressing anything (inside a compressed batch: that batch's first offset; see
// BatchTimeLookup). A log that cannot be read answers KAFKA_STORAGE_ERROR for that partition. Offsets are
// final as soon as they are appended, so isolation_level does not matter.
//
// Per version: v2 adds isolation_level and throttle time; v4 adds current_leader_epoch and the response
// leader_epoch (always 0).
internal sealed class Api02ListOffsetsHandler(TopicRegistry topics) : IApiHandler
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public ApiKey ApiKey => ApiKey.ListOffsets;
    public short MinVersion => 1;
    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        reader.ReadInt32(); // replica_id
        if (version >= 2) reader.ReadInt8(); // isolation_level
        if (version >= 2) response.WriteInt32(0); // throttle_time_ms

        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        response.WriteArrayCount(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            string name = reader.ReadString();
            topics.TryGetTopic(name, out var topic);
            response.WriteString(name);
            int partitionCount = reader.ReadArrayCount(minElementSize: 12);
            response.WriteArrayCount(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
            {
                int index = reader.ReadInt32();
                int currentLeaderEpoch = version >= 4 ? reader.ReadInt32() : -1;
                long timestamp = reader.ReadInt64();
                var partition = topic?.GetPartition(index);
                var (error, foundTimestamp, offset) = partition is null || partition.IsClosed
                    ? (ErrorCode.UnknownTopicOrPartition, -1L, -1L)
                    : currentLeaderEpoch > 0 ? (ErrorCode.UnknownLeaderEpoch, -1L, -1L)
                    : Lookup(partition, timestamp);
                response.WriteInt32(index);
                response.WriteInt16(error);
                response.WriteInt64(foundTimestamp);
                response.WriteInt64(offset);
                if (version >= 4) response.WriteInt32(error == ErrorCode.None ? 0 : -1); // leader_epoch
            }
        }
        return ValueTask.FromResult(true);
    }

    private static (ErrorCode Error, long Timestamp, long Offset) Lookup(PartitionState partition, long timestamp)
    {
        var log = partition.Log;
        switch (timestamp)
        {
            case Latest:
                return (ErrorCode.None, -1, log.LogEndOffset);
            case Earliest:
                return (ErrorCode.None, -1, log.LogStartOffset);
            default:
                try
                {
                    var found = log.FindOffsetByTimestamp(timestamp);
                    return found is { } hit ? (ErrorCode.None, hit.Timestamp, hit.Offset) : (ErrorCode.None, -1, -1);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The disk, not the request, failed: this partition answers KAFKA_STORAGE_ERROR, the connection stays.
                    return (ErrorCode.KafkaStorageError, -1, -1);
                }
                catch (ObjectDisposedException) when (partition.IsClosed)
                {
                    return (ErrorCode.UnknownTopicOrPartition, -1, -1);
                }
        }
    }
}
