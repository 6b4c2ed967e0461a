// DescribeGroups (key 15), versions 0–4 (v5 is the first flexible version).
//
// Behaviour: per group id: error 0, state name ("Stable", "Empty", …), protocol type, protocol name and
// members (client id, host, metadata and assignment bytes, which librdkafka decodes). Metadata,
// assignment and protocol name are only filled while Stable, as Kafka does. An unknown group is not an
// error: error 0 with state "Dead". A group that only holds commits is "Empty" with protocol type "".
//
// Per-version notes:
//   v1: response + throttle_time_ms.
//   v2: same as v1.
//   v3: request + include_authorized_operations; response + authorized_operations per group
//       (always INT32_MIN: this broker has no ACLs to report).
//   v4: members + group_instance_id (nullable).
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api15DescribeGroupsHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.DescribeGroups;
    public short MinVersion => 0;
    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        int count = reader.ReadArrayCount(minElementSize: 2);
        var groupIds = new List<string>(Math.Max(count, 0));
        for (int i = 0; i < count; i++) groupIds.Add(reader.ReadString());
        if (version >= 3) reader.ReadBoolean(); // include_authorized_operations

        if (version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteArrayCount(groupIds.Count);
        foreach (string groupId in groupIds)
        {
            var group = coordinator.DescribeGroup(groupId);
            response.WriteInt16(ErrorCode.None);
            response.WriteString(group.GroupId);
            response.WriteString(group.State.ToProtocolName());
            response.WriteString(group.ProtocolType);
            response.WriteString(group.ProtocolName);
            response.WriteArrayCount(group.Members.Count);
            foreach (var member in group.Members)
            {
                response.WriteString(member.MemberId);
                if (version >= 4) response.WriteNullableString(member.GroupInstanceId);
                response.WriteString(member.ClientId);
                response.WriteString(member.ClientHost);
                response.WriteBytes(member.Metadata);
                response.WriteBytes(member.Assignment);
            }
            if (version >= 3) response.WriteInt32(int.MinValue); // authorized_operations: not computed
        }
        return ValueTask.FromResult(true);
    }
}
