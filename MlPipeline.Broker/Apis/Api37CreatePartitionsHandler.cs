using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// CreatePartitions (key 37), versions 0–1 (v2 is flexible; librdkafka 2.16's admin client sends v1 here).
//
// count is the new TOTAL. With client topic admin switched off every topic is CLUSTER_AUTHORIZATION_FAILED 31.
// Otherwise TopicRegistry.AddPartitions checks, in Kafka's order: unknown topic → UNKNOWN_TOPIC_OR_PARTITION 3;
// count at or below the current one, or above max_partitions_per_topic → INVALID_PARTITIONS 37; manual
// assignments that are not one [this node] per added partition → INVALID_REPLICA_ASSIGNMENT 39; more than
// max_partitions in all → POLICY_VIOLATION 44; a disk that cannot hold them → KAFKA_STORAGE_ERROR 56. validate_only runs every check and changes nothing. A topic named more
// than once in one request is INVALID_REQUEST 42 and left alone, answered once per name as Kafka does; the
// other topics in the request are still processed. New partitions start empty at offset 0 and appear in the
// next Metadata answer, which is how producers and group members (after their rebalance) find them.
//
// Per version: v1 is identical to v0 on the wire (it only changed when quota throttling is applied).
internal sealed class Api37CreatePartitionsHandler(TopicRegistry topics, BrokerIdentity identity, BrokerOptions options) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.CreatePartitions;
    public short MinVersion => 0;
    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        // name (2) + count (4) + assignments (4) is the smallest topic entry.
        int topicCount = reader.ReadArrayCount(minElementSize: 10);
        var requested = new List<(string Name, int Count, List<IReadOnlyList<int>>? Assignments)>(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            string name = reader.ReadString();
            int count = reader.ReadInt32();
            requested.Add((name, count, ReadAssignments(ref reader)));
        }
        reader.ReadInt32(); // timeout_ms: partitions are created before we answer
        bool validateOnly = reader.ReadBoolean();

        var duplicates = requested.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);

        response.WriteInt32(0); // throttle_time_ms
        int resultCountPosition = response.ReserveInt32();
        int resultCount = 0;
        foreach (var topic in requested)
        {
            if (!answered.Add(topic.Name)) continue;
            var (error, message) = !options.AllowClientTopicAdmin ? (ErrorCode.ClusterAuthorizationFailed, TopicAdminDisabled.Message)
                : duplicates.Contains(topic.Name)
                ? (ErrorCode.InvalidRequest, $"Topic '{topic.Name}' appears more than once in the request")
                : topics.AddPartitions(topic.Name, topic.Count, topic.Assignments, identity.NodeId, validateOnly);
            response.WriteString(topic.Name);
            response.WriteInt16(error);
            response.WriteNullableString(message);
            resultCount++;
        }
        response.PatchInt32(resultCountPosition, resultCount);
        return ValueTask.FromResult(true);
    }

    /// <summary>The per-new-partition replica lists, or null when the client left placement to the broker.</summary>
    private static List<IReadOnlyList<int>>? ReadAssignments(ref KafkaReader reader)
    {
        int assignmentCount = reader.ReadArrayCount(minElementSize: 4);
        if (assignmentCount < 0) return null;
        var assignments = new List<IReadOnlyList<int>>(assignmentCount);
        for (int a = 0; a < assignmentCount; a++)
        {
            int brokerCount = reader.ReadArrayCount(minElementSize: 4);
            var brokerIds = new int[Math.Max(brokerCount, 0)];
            for (int b = 0; b < brokerIds.Length; b++) brokerIds[b] = reader.ReadInt32();
            assignments.Add(brokerIds);
        }
        return assignments;
    }
}
