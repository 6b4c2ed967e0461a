using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// DeleteTopics (key 20), versions 0–3 (v4 is flexible).
//
// With client topic admin switched off (BrokerOptions.AllowClientTopicAdmin) every topic is answered
// CLUSTER_AUTHORIZATION_FAILED 31 and nothing is deleted. Otherwise each named topic is deleted by TopicRegistry: fetches parked on it wake and answer
// UNKNOWN_TOPIC_OR_PARTITION, its data and every group's commits for it are removed. An unknown topic is
// error 3 for that entry only.
//
// Per version: v1 adds throttle time; v2–v3 change nothing on the wire.
internal sealed class Api20DeleteTopicsHandler(TopicRegistry topics, BrokerOptions options) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.DeleteTopics;
    public short MinVersion => 0;
    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        int count = reader.ReadArrayCount(minElementSize: 2);
        var names = new string[Math.Max(count, 0)];
        for (int i = 0; i < names.Length; i++) names[i] = reader.ReadString();
        reader.ReadInt32(); // timeout_ms: deletion is immediate

        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(names.Length);
        foreach (string name in names)
        {
            response.WriteString(name);
            response.WriteInt16(options.AllowClientTopicAdmin ? topics.Delete(name) : ErrorCode.ClusterAuthorizationFailed);
        }
        return ValueTask.FromResult(true);
    }
}
