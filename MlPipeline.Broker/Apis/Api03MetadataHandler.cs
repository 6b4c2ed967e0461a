using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// Metadata (key 3), versions 0–8 (v9 is flexible).
//
// One broker (this node, at the host:port clients actually reach — the bound port when started on 0),
// which is also the controller (librdkafka's admin requests wait for one) and the leader of every
// partition: leader epoch 0, replicas = isr = [node], no offline replicas.
// Topic list: in v0 an empty list means all topics; from v1 null means all and an empty list means none.
// Unknown topics are auto-created when the broker allows it and the request does (allow_auto_topic_creation,
// v4+; earlier versions mean true) — librdkafka producers send true, consumers false. Otherwise the topic
// is answered with UNKNOWN_TOPIC_OR_PARTITION; with client topic admin off (BrokerOptions.AllowClientTopicAdmin) a
// would-be auto-creation is TOPIC_AUTHORIZATION_FAILED, as Kafka answers a client without CREATE permission, and
// past the broker's partition limit it is POLICY_VIOLATION.
//
// Per version: v1 adds rack, controller_id, is_internal; v2 cluster_id; v3 throttle time; v4
// allow_auto_topic_creation; v5 offline_replicas; v7 leader_epoch; v8 authorized-operations fields
// (INT32_MIN = not computed).
internal sealed class Api03MetadataHandler(TopicRegistry topics, BrokerIdentity identity) : IApiHandler
{
    private const int AuthorizedOperationsNotComputed = int.MinValue;

    public ApiKey ApiKey => ApiKey.Metadata;
    public short MinVersion => 0;
    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        int count = reader.ReadArrayCount(minElementSize: 2);
        string[]? requested = null;
        if (count > 0 || (count == 0 && version >= 1))
        {
            requested = new string[count];
            for (int i = 0; i < count; i++) requested[i] = reader.ReadString();
        }
        bool allowAutoCreate = version < 4 || reader.ReadBoolean();
        // v8's include_*_authorized_operations are ignored: there are no ACLs to report.

        if (version >= 3) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(1);
        response.WriteInt32(identity.NodeId);
        response.WriteString(identity.Host);
        response.WriteInt32(identity.Port);
        if (version >= 1) response.WriteNullableString(null); // rack
        if (version >= 2) response.WriteNullableString(identity.ClusterId);
        if (version >= 1) response.WriteInt32(identity.NodeId); // controller_id

        if (requested is null)
        {
            var all = topics.Topics;
            response.WriteArrayCount(all.Count);
            foreach (var topic in all) WriteTopic(response, version, topic.Name, topic, ErrorCode.None);
        }
        else
        {
            response.WriteArrayCount(requested.Length);
            foreach (string name in requested)
            {
                var (topic, error) = topics.GetOrAutoCreate(name, allowAutoCreate);
                WriteTopic(response, version, name, topic, error);
            }
        }
        if (version >= 8) response.WriteInt32(AuthorizedOperationsNotComputed); // cluster_authorized_operations
        return ValueTask.FromResult(true);
    }

    private void WriteTopic(KafkaWriter response, short version, string name, TopicState? topic, ErrorCode error)
    {
        response.WriteInt16(error);
        response.WriteString(name);
        if (version >= 1) response.WriteBoolean(false); // is_internal
        int partitionCount = topic?.Partitions.Count ?? 0;
        response.WriteArrayCount(partitionCount);
        for (int p = 0; p < partitionCount; p++)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(p);
            response.WriteInt32(identity.NodeId); // leader
            if (version >= 7) response.WriteInt32(0); // leader_epoch
            response.WriteArrayCount(1); // replicas
            response.WriteInt32(identity.NodeId);
            response.WriteArrayCount(1); // isr
            response.WriteInt32(identity.NodeId);
            if (version >= 5) response.WriteArrayCount(0); // offline_replicas
        }
        if (version >= 8) response.WriteInt32(AuthorizedOperationsNotComputed); // topic_authorized_operations
    }
}
