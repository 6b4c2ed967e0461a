// OffsetFetch (key 9), versions 1–5 (v0 reads ZooKeeper offsets; v6 is the first flexible version).
//
// Behaviour: returns the group's committed offsets. A requested partition without a commit → offset -1,
// metadata "" and error 0; an unknown group is not an error (it just has no commits).
//
// Per-version notes:
//   v2: topics may be null → every partition the group committed (what lag tools ask for);
//       response + top-level error_code after the topics.
//   v3: response + throttle_time_ms.
//   v4: same as v3.
//   v5: partitions + committed_leader_epoch (-1 when unknown).
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api09OffsetFetchHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.OffsetFetch;
    public short MinVersion => 1;
    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        List<OffsetFetchTopic>? topics = null;
        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        if (topicCount < 0 && version < 2) throw new ProtocolException("OffsetFetch v1 does not allow null topics");
        if (topicCount >= 0)
        {
            topics = new List<OffsetFetchTopic>(topicCount);
            for (int t = 0; t < topicCount; t++)
            {
                string topic = reader.ReadString();
                int partitionCount = reader.ReadArrayCount(minElementSize: 4);
                var partitions = new int[Math.Max(partitionCount, 0)];
                for (int p = 0; p < partitions.Length; p++) partitions[p] = reader.ReadInt32();
                topics.Add(new OffsetFetchTopic(topic, partitions));
            }
        }

        var fetched = coordinator.FetchOffsets(groupId, topics);

        if (version >= 3) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(fetched.Count);
        foreach (var topic in fetched)
        {
            response.WriteString(topic.Topic);
            response.WriteArrayCount(topic.Partitions.Count);
            foreach (var partition in topic.Partitions)
            {
                response.WriteInt32(partition.Partition);
                response.WriteInt64(partition.Offset);
                if (version >= 5) response.WriteInt32(partition.LeaderEpoch);
                response.WriteNullableString(partition.Metadata);
                response.WriteInt16(ErrorCode.None);
            }
        }
        if (version >= 2) response.WriteInt16(ErrorCode.None);
        return ValueTask.FromResult(true);
    }
}
