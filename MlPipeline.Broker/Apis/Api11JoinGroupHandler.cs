// JoinGroup (key 11), versions 0–5 (v6 is the first flexible version, so it is not advertised).
//
// Behaviour: decodes the request, hands it to the GroupCoordinator and awaits the (possibly parked)
// result; the response is written only when the rebalance completes, so a parked join delays just its
// own connection. See GroupCoordinator/Group for the state machine (BRIEF §8).
//
// Per-version notes:
//   v0: no rebalance_timeout_ms (the session timeout stands in).
//   v1: + rebalance_timeout_ms.
//   v2: response + throttle_time_ms.
//   v3: same as v2.
//   v4: an empty member_id gets MEMBER_ID_REQUIRED (79) with a generated `clientId-uuid` to rejoin with.
//   v5: request + group_instance_id (nullable, accepted and echoed; static membership is not enforced);
//       response members + group_instance_id.
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api11JoinGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.JoinGroup;
    public short MinVersion => 0;
    public short MaxVersion => 5;

    public async ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var join = Decode(request);
        var result = await coordinator.JoinGroupAsync(join, cancellationToken).ConfigureAwait(false);
        Encode(result, request.Version, response);
        return true;
    }

    private static JoinGroupCommand Decode(ApiRequest request)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        int sessionTimeoutMs = reader.ReadInt32();
        int rebalanceTimeoutMs = version >= 1 ? reader.ReadInt32() : -1;
        string memberId = reader.ReadString();
        string? groupInstanceId = version >= 5 ? reader.ReadNullableString() : null;
        string protocolType = reader.ReadString();
        int count = reader.ReadArrayCount(minElementSize: 6);
        var protocols = new List<GroupProtocol>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            protocols.Add(new GroupProtocol(reader.ReadString(), reader.ReadBytes()));

        return new JoinGroupCommand(groupId, memberId, groupInstanceId, request.Header.ClientId ?? "", request.ClientHost,
            sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols, RequireKnownMemberId: version >= 4);
    }

    private static void Encode(JoinGroupResult result, short version, KafkaWriter response)
    {
        if (version >= 2) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(result.Error);
        response.WriteInt32(result.GenerationId);
        response.WriteString(result.ProtocolName);
        response.WriteString(result.LeaderId);
        response.WriteString(result.MemberId);
        response.WriteArrayCount(result.Members.Count);
        foreach (var member in result.Members)
        {
            response.WriteString(member.MemberId);
            if (version >= 5) response.WriteNullableString(member.GroupInstanceId);
            response.WriteBytes(member.Metadata);
        }
    }
}
