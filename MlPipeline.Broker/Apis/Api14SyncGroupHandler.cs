// SyncGroup (key 14), versions 0–3 (v4 is the first flexible version).
//
// Behaviour: the leader sends every member's assignment; followers send none and are parked until the
// leader's arrives. Later syncs in the same generation get the stored assignment; a member the leader
// skipped gets zero bytes. Errors: UNKNOWN_MEMBER_ID 25, ILLEGAL_GENERATION 22, REBALANCE_IN_PROGRESS 27.
//
// Per-version notes:
//   v1: response + throttle_time_ms.
//   v2: same as v1.
//   v3: request + group_instance_id (nullable; read and ignored).
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

public sealed class Api14SyncGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.SyncGroup;
    public short MinVersion => 0;
    public short MaxVersion => 3;

    public async ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var (groupId, generationId, memberId, assignments) = Decode(request);
        var result = await coordinator.SyncGroupAsync(groupId, generationId, memberId, assignments, cancellationToken).ConfigureAwait(false);
        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(result.Error);
        response.WriteBytes(result.Assignment);
        return true;
    }

    private static (string GroupId, int GenerationId, string MemberId, List<(string MemberId, byte[] Assignment)> Assignments) Decode(ApiRequest request)
    {
        var reader = new KafkaReader(request.Body.Span);
        string groupId = reader.ReadString();
        int generationId = reader.ReadInt32();
        string memberId = reader.ReadString();
        if (request.Version >= 3) reader.ReadNullableString(); // group_instance_id
        int count = reader.ReadArrayCount(minElementSize: 6);
        var assignments = new List<(string, byte[])>(Math.Max(count, 0));
        for (int i = 0; i < count; i++)
            assignments.Add((reader.ReadString(), reader.ReadBytes()));
        return (groupId, generationId, memberId, assignments);
    }
}
