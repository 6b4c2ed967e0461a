// Heartbeat (key 12), versions 0–3 (v4 is the first flexible version).
//
// Behaviour: resets the member's session timer. Errors: UNKNOWN_MEMBER_ID 25, ILLEGAL_GENERATION 22, and
// REBALANCE_IN_PROGRESS 27 while the group is PreparingRebalance (that is how a member learns to rejoin).
//
// Per-version notes:
//   v1: response + throttle_time_ms.
//   v2: same as v1.
//   v3: request + group_instance_id (nullable; read and ignored).
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api12HeartbeatHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.Heartbeat;
    public short MinVersion => 0;
    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        int generationId = reader.ReadInt32();
        string memberId = reader.ReadString();
        if (request.Version >= 3) reader.ReadNullableString(); // group_instance_id

        var error = coordinator.Heartbeat(groupId, generationId, memberId);
        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(error);
        return ValueTask.FromResult(true);
    }
}
