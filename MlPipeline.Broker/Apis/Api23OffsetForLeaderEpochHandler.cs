using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// OffsetForLeaderEpoch (key 23), version 2 only (v3 adds replica_id; v4 is flexible).
//
// There is only ever leader epoch 0, so every epoch ends at the log end offset. librdkafka sends this to
// validate a fetch position that carries an epoch (after a commit with leader_epoch or a metadata change);
// answering epoch 0 / log end confirms the position.
internal sealed class Api23OffsetForLeaderEpochHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;
    public short MinVersion => 2;
    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        response.WriteInt32(0); // throttle_time_ms
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
                int currentLeaderEpoch = reader.ReadInt32();
                reader.ReadInt32(); // leader_epoch asked about: epoch 0 is the only one
                var partition = topic?.GetPartition(index);
                var error = partition is null || partition.IsClosed ? ErrorCode.UnknownTopicOrPartition
                    : currentLeaderEpoch > 0 ? ErrorCode.UnknownLeaderEpoch
                    : currentLeaderEpoch < -1 ? ErrorCode.FencedLeaderEpoch
                    : ErrorCode.None;
                response.WriteInt16(error);
                response.WriteInt32(index);
                response.WriteInt32(error == ErrorCode.None ? 0 : -1); // leader_epoch
                response.WriteInt64(error == ErrorCode.None ? partition!.Log.LogEndOffset : -1); // end_offset
            }
        }
        return ValueTask.FromResult(true);
    }
}
