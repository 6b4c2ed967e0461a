// ListGroups (key 16), versions 0–2 (v3 is the first flexible version; v4's state filter is not offered).
//
// Behaviour: every group this coordinator knows — groups with (or once with) members, plus groups that
// only hold committed offsets, which are listed with protocol type "". Request body is empty.
//
// Per-version notes:
//   v1: response + throttle_time_ms.
//   v2: same as v1.
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api16ListGroupsHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.ListGroups;
    public short MinVersion => 0;
    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var groups = coordinator.ListGroups();
        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(ErrorCode.None);
        response.WriteArrayCount(groups.Count);
        foreach (var group in groups)
        {
            response.WriteString(group.GroupId);
            response.WriteString(group.ProtocolType);
        }
        return ValueTask.FromResult(true);
    }
}
