// OffsetCommit (key 8), versions 2–7 (v0–1 are deprecated and unused by current clients; v8 is flexible).
//
// Behaviour: a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION 3 and metadata longer than Kafka's
// offset.metadata.max.bytes (4096) is OFFSET_METADATA_TOO_LARGE 12, each for that partition only, as Kafka does, so
// no client can fill the journal with offsets of topics that never were. The rest is validated against the group,
// stored through IGroupOffsetStore (a disk that refuses the write is KAFKA_STORAGE_ERROR 56) and answered with the
// group-level error repeated:
//   - group with members: unknown member → 25, wrong generation → 22, CompletingRebalance → 27;
//   - group without members: only generation -1 (standalone consumers, admin tools) is accepted, else 25.
// Commits are allowed while PreparingRebalance, so members can commit before they rejoin.
//
// Per-version notes:
//   v2–4: request + retention_time_ms (read and ignored: commits are kept until the group is deleted).
//   v3: response + throttle_time_ms.
//   v5: retention_time_ms removed.
//   v6: partitions + committed_leader_epoch (stored and returned by OffsetFetch v5+).
//   v7: request + group_instance_id (nullable; read and ignored).
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

public sealed class Api08OffsetCommitHandler(GroupCoordinator coordinator, TopicRegistry topics) : IApiHandler
{
    /// <summary>Kafka's offset.metadata.max.bytes default: longer commit metadata is refused.</summary>
    public const int MaxMetadataLength = 4096;

    public ApiKey ApiKey => ApiKey.OffsetCommit;
    public short MinVersion => 2;
    public short MaxVersion => 7;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        int generationId = reader.ReadInt32();
        string memberId = reader.ReadString();
        if (version >= 7) reader.ReadNullableString(); // group_instance_id
        if (version <= 4) reader.ReadInt64(); // retention_time_ms

        var offsets = new List<(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata)>();
        // topic => (partition, its own error or null for "the group's answer") in request order, to answer in the same shape
        var requested = new List<(string Topic, List<(int Partition, ErrorCode? Error)> Partitions)>();
        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        for (int t = 0; t < topicCount; t++)
        {
            string topic = reader.ReadString();
            var partitions = new List<(int, ErrorCode?)>();
            int partitionCount = reader.ReadArrayCount(minElementSize: 14);
            for (int p = 0; p < partitionCount; p++)
            {
                int partition = reader.ReadInt32();
                long offset = reader.ReadInt64();
                int leaderEpoch = version >= 6 ? reader.ReadInt32() : -1;
                string? metadata = reader.ReadNullableString();
                ErrorCode? error = topics.GetPartition(topic, partition) is null ? ErrorCode.UnknownTopicOrPartition
                    : metadata?.Length > MaxMetadataLength ? ErrorCode.OffsetMetadataTooLarge
                    : null;
                if (error is null) offsets.Add((topic, partition, offset, leaderEpoch, metadata));
                partitions.Add((partition, error));
            }
            requested.Add((topic, partitions));
        }

        // Nothing valid to store: no group is created or touched for it.
        var groupError = offsets.Count > 0 ? coordinator.CommitOffsets(groupId, generationId, memberId, offsets) : ErrorCode.None;

        if (version >= 3) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(requested.Count);
        foreach (var (topic, partitions) in requested)
        {
            response.WriteString(topic);
            response.WriteArrayCount(partitions.Count);
            foreach (var (partition, error) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16(error ?? groupError);
            }
        }
        return ValueTask.FromResult(true);
    }
}
