using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// CreateTopics (key 19), versions 0–4 (v5 is flexible).
//
// With client topic admin switched off (BrokerOptions.AllowClientTopicAdmin) every topic is answered
// CLUSTER_AUTHORIZATION_FAILED 31 before anything else is looked at. Otherwise validation lives in TopicRegistry:
// names are 1–249 chars of [A-Za-z0-9._-] and not "."/".." (INVALID_TOPIC_EXCEPTION 17), TOPIC_ALREADY_EXISTS 36,
// partitions outside 1..max_partitions_per_topic INVALID_PARTITIONS 37, more than max_partitions in all
// POLICY_VIOLATION 44, replication factor above 1 INVALID_REPLICATION_FACTOR 38, a disk that cannot hold the topic
// KAFKA_STORAGE_ERROR 56. -1 partitions / replication factor mean the broker defaults. Configs retention.ms,
// retention.bytes, segment.bytes (1 MiB–1 GiB) and max.message.bytes are applied; any other, or a value out of
// range, is INVALID_CONFIG 40. A manual replica assignment may only name this node and sets the partition count.
//
// Per version: v1 adds validate_only and error_message; v2 throttle time; v4 allows -1 defaults
// (accepted at every version here, harmlessly).
internal sealed class Api19CreateTopicsHandler(TopicRegistry topics, BrokerIdentity identity, BrokerOptions options) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.CreateTopics;
    public short MinVersion => 0;
    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        int topicCount = reader.ReadArrayCount(minElementSize: 16);
        var requests = new List<(string Name, int Partitions, short ReplicationFactor, List<(string, string?)> Configs, string? AssignmentError)>(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            string name = reader.ReadString();
            int partitions = reader.ReadInt32();
            short replicationFactor = reader.ReadInt16();
            string? assignmentError = null;
            int assignmentCount = reader.ReadArrayCount(minElementSize: 8);
            for (int a = 0; a < assignmentCount; a++)
            {
                reader.ReadInt32(); // partition_index
                int brokerCount = reader.ReadArrayCount(minElementSize: 4);
                for (int b = 0; b < brokerCount; b++)
                    if (reader.ReadInt32() != identity.NodeId) assignmentError = $"Replica assignment may only name broker {identity.NodeId}";
                if (brokerCount != 1) assignmentError = "Each partition needs exactly one replica on this single-node broker";
            }
            if (assignmentCount > 0) partitions = assignmentCount;
            int configCount = reader.ReadArrayCount(minElementSize: 4);
            var configs = new List<(string, string?)>(Math.Max(configCount, 0));
            for (int c = 0; c < configCount; c++) configs.Add((reader.ReadString(), reader.ReadNullableString()));
            requests.Add((name, partitions, replicationFactor, configs, assignmentError));
        }
        reader.ReadInt32(); // timeout_ms: creation is immediate
        bool validateOnly = version >= 1 && reader.ReadBoolean();

        if (version >= 2) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(requests.Count);
        foreach (var topic in requests)
        {
            var (error, message) = !options.AllowClientTopicAdmin ? (ErrorCode.ClusterAuthorizationFailed, TopicAdminDisabled.Message)
                : topic.AssignmentError is not null ? (ErrorCode.InvalidReplicaAssignment, topic.AssignmentError)
                : topics.Create(topic.Name, topic.Partitions, topic.ReplicationFactor, topic.Configs, validateOnly);
            response.WriteString(topic.Name);
            response.WriteInt16(error);
            if (version >= 1) response.WriteNullableString(message);
        }
        return ValueTask.FromResult(true);
    }
}
