// LeaveGroup (key 13), versions 0–1 (v3 would switch to a member batch; v4 is the first flexible version).
//
// Behaviour: removes the member and rebalances the rest of the group (or leaves it Empty). A member id
// still pending from MEMBER_ID_REQUIRED is simply forgotten. Unknown member → UNKNOWN_MEMBER_ID 25.
//
// Per-version notes:
//   v1: response + throttle_time_ms.
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api13LeaveGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.LeaveGroup;
    public short MinVersion => 0;
    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        string memberId = reader.ReadString();

        var error = coordinator.LeaveGroup(groupId, memberId);
        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(error);
        return ValueTask.FromResult(true);
    }
}
