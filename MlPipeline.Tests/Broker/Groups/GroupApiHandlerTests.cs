using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Tests.Broker.Groups;

/// <summary>
/// Wire-level tests: each request is encoded field by field from the Apache Kafka JSON schema of that
/// version, sent through the registered handler, and the response decoded the same way, so a missing or
/// misplaced per-version field (throttle_time_ms, group_instance_id, leader epoch…) fails here.
/// </summary>
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class GroupApiHandlerTests : IDisposable
{
    private readonly GroupTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private sealed record JoinResponse(int Throttle, ErrorCode Error, int Generation, string Protocol, string Leader, string MemberId,
        (string MemberId, string? InstanceId, byte[] Metadata)[] Members);

    private Task<byte[]> JoinV5Async(string memberId) => _host.SendAsync(ApiKey.JoinGroup, 5, w =>
    {
        w.WriteString("g");
        w.WriteInt32(10_000); // session_timeout_ms
        w.WriteInt32(30_000); // rebalance_timeout_ms (v1+)
        w.WriteString(memberId);
        w.WriteNullableString(null); // group_instance_id (v5+)
        w.WriteString("consumer");
        w.WriteArrayCount(1);
        w.WriteString("range");
        w.WriteBytes([0, 1, 2]);
    });

    private static JoinResponse DecodeJoinV5(byte[] body)
    {
        var r = new KafkaReader(body);
        int throttle = r.ReadInt32();
        var error = (ErrorCode)r.ReadInt16();
        int generation = r.ReadInt32();
        string protocol = r.ReadString();
        string leader = r.ReadString();
        string memberId = r.ReadString();
        var members = new (string, string?, byte[])[r.ReadArrayCount()];
        for (int i = 0; i < members.Length; i++) members[i] = (r.ReadString(), r.ReadNullableString(), r.ReadBytes());
        Assert.That(r.End, Is.True, "the whole JoinGroup v5 response was consumed");
        return new JoinResponse(throttle, error, generation, protocol, leader, memberId, members);
    }

    /// <summary>Runs the two-step JoinGroup v5 and returns the final response.</summary>
    private async Task<JoinResponse> JoinAsMemberAsync()
    {
        var required = DecodeJoinV5(await JoinV5Async(""));
        Assert.That(required.Error, Is.EqualTo(ErrorCode.MemberIdRequired));
        return DecodeJoinV5(await JoinV5Async(required.MemberId));
    }

    private Task<byte[]> SyncV3Async(int generation, string memberId, byte[] assignment) => _host.SendAsync(ApiKey.SyncGroup, 3, w =>
    {
        w.WriteString("g");
        w.WriteInt32(generation);
        w.WriteString(memberId);
        w.WriteNullableString(null); // group_instance_id (v3+)
        w.WriteArrayCount(1);
        w.WriteString(memberId);
        w.WriteBytes(assignment);
    });

    [Test]
    public async Task JoinGroupV5_TwoStepJoin_ReturnsMemberIdRequiredThenLeaderWithMembers()
    {
        var required = DecodeJoinV5(await JoinV5Async(""));
        var joined = DecodeJoinV5(await JoinV5Async(required.MemberId));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(required.Error, Is.EqualTo(ErrorCode.MemberIdRequired));
            Assert.That(required.MemberId, Does.StartWith("test-client-"));
            Assert.That(required.Generation, Is.EqualTo(-1));
            Assert.That(joined.Error, Is.EqualTo(ErrorCode.None));
            Assert.That(joined.Generation, Is.EqualTo(1));
            Assert.That(joined.Protocol, Is.EqualTo("range"));
            Assert.That(joined.Leader, Is.EqualTo(required.MemberId));
            Assert.That(joined.MemberId, Is.EqualTo(required.MemberId));
            Assert.That(joined.Members, Has.Length.EqualTo(1));
            Assert.That(joined.Members[0].InstanceId, Is.Null);
            Assert.That(joined.Members[0].Metadata, Is.EqualTo(new byte[] { 0, 1, 2 }));
        }
    }

    [Test]
    public async Task SyncGroupV3_Leader_GetsItsAssignment()
    {
        var joined = await JoinAsMemberAsync();

        var body = await SyncV3Async(joined.Generation, joined.MemberId, [5, 6]);

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ReadInt32(), Is.Zero, "throttle_time_ms");
            Assert.That((ErrorCode)r.ReadInt16(), Is.EqualTo(ErrorCode.None));
            Assert.That(r.ReadBytes(), Is.EqualTo(new byte[] { 5, 6 }));
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public async Task HeartbeatV3AndLeaveGroupV1_KnownMember_Succeed()
    {
        var joined = await JoinAsMemberAsync();
        await SyncV3Async(joined.Generation, joined.MemberId, []);

        var heartbeat = await _host.SendAsync(ApiKey.Heartbeat, 3, w =>
        {
            w.WriteString("g");
            w.WriteInt32(joined.Generation);
            w.WriteString(joined.MemberId);
            w.WriteNullableString(null); // group_instance_id (v3+)
        });
        var leave = await _host.SendAsync(ApiKey.LeaveGroup, 1, w =>
        {
            w.WriteString("g");
            w.WriteString(joined.MemberId);
        });

        // Both are throttle_time_ms (int32 0) followed by error_code 0.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(heartbeat, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0 }));
            Assert.That(leave, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0 }));
            Assert.That(_host.Coordinator.DescribeGroup("g").State, Is.EqualTo(GroupState.Empty));
        }
    }

    [Test]
    public async Task OffsetCommitV7_StandaloneCommit_StoresOffsetLeaderEpochAndMetadata()
    {
        var body = await _host.SendAsync(ApiKey.OffsetCommit, 7, w =>
        {
            w.WriteString("g");
            w.WriteInt32(-1); // generation_id
            w.WriteString(""); // member_id
            w.WriteNullableString(null); // group_instance_id (v7+); no retention_time_ms after v4
            w.WriteArrayCount(1);
            w.WriteString("t");
            w.WriteArrayCount(2);
            foreach (int partition in new[] { 0, 1 })
            {
                w.WriteInt32(partition);
                w.WriteInt64(100 + partition);
                w.WriteInt32(4); // committed_leader_epoch (v6+)
                w.WriteNullableString("meta");
            }
        });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ReadInt32(), Is.Zero, "throttle_time_ms");
            Assert.That(r.ReadArrayCount(), Is.EqualTo(1));
            Assert.That(r.ReadString(), Is.EqualTo("t"));
            Assert.That(r.ReadArrayCount(), Is.EqualTo(2));
            Assert.That((r.ReadInt32(), (ErrorCode)r.ReadInt16()), Is.EqualTo((0, ErrorCode.None)));
            Assert.That((r.ReadInt32(), (ErrorCode)r.ReadInt16()), Is.EqualTo((1, ErrorCode.None)));
            Assert.That(r.End, Is.True);
            Assert.That(_host.Offsets.TryGet("g", "t", 1, out var stored), Is.True);
            Assert.That((stored.Offset, stored.LeaderEpoch, stored.Metadata), Is.EqualTo((101L, 4, "meta")));
        }
    }

    [Test]
    public async Task OffsetCommitV2_RetentionTimeField_IsSkipped()
    {
        var body = await _host.SendAsync(ApiKey.OffsetCommit, 2, w =>
        {
            w.WriteString("g");
            w.WriteInt32(-1);
            w.WriteString("");
            w.WriteInt64(-1); // retention_time_ms (v2–4)
            w.WriteArrayCount(1);
            w.WriteString("t");
            w.WriteArrayCount(1);
            w.WriteInt32(0);
            w.WriteInt64(9);
            w.WriteNullableString(null);
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(body, Has.Length.EqualTo(4 + 2 + 1 + 4 + 4 + 2), "no throttle_time_ms before v3");
            Assert.That(_host.Offsets.TryGet("g", "t", 0, out var stored) ? stored.Offset : -1, Is.EqualTo(9));
        }
    }

    [Test]
    public async Task OffsetFetchV5_NullTopics_ReturnsEveryCommittedPartition()
    {
        _host.Offsets.Commit("g", [("t", 0, new(7, 2, "m", 0)), ("t", 1, new(8, -1, null, 0))]);

        var body = await _host.SendAsync(ApiKey.OffsetFetch, 5, w =>
        {
            w.WriteString("g");
            w.WriteArrayCount(-1); // null topics (v2+): all committed partitions
        });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ReadInt32(), Is.Zero, "throttle_time_ms");
            Assert.That(r.ReadArrayCount(), Is.EqualTo(1));
            Assert.That(r.ReadString(), Is.EqualTo("t"));
            Assert.That(r.ReadArrayCount(), Is.EqualTo(2));
            Assert.That((r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadNullableString(), r.ReadInt16()), Is.EqualTo((0, 7L, 2, "m", (short)0)));
            Assert.That((r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadNullableString(), r.ReadInt16()), Is.EqualTo((1, 8L, -1, "", (short)0)));
            Assert.That((ErrorCode)r.ReadInt16(), Is.EqualTo(ErrorCode.None), "top-level error_code (v2+)");
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public async Task OffsetFetchV1_UncommittedPartition_ReturnsMinusOneWithoutError()
    {
        var body = await _host.SendAsync(ApiKey.OffsetFetch, 1, w =>
        {
            w.WriteString("g");
            w.WriteArrayCount(1);
            w.WriteString("t");
            w.WriteArrayCount(1);
            w.WriteInt32(3);
        });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((r.ReadArrayCount(), r.ReadString(), r.ReadArrayCount()), Is.EqualTo((1, "t", 1)));
            Assert.That((r.ReadInt32(), r.ReadInt64(), r.ReadNullableString(), r.ReadInt16()), Is.EqualTo((3, -1L, "", (short)0)));
            Assert.That(r.End, Is.True, "v1 has no throttle, leader epoch or top-level error");
        }
    }

    [Test]
    public async Task DescribeGroupsV4_StableAndUnknownGroups_AreDescribed()
    {
        var joined = await JoinAsMemberAsync();
        await SyncV3Async(joined.Generation, joined.MemberId, [4, 2]);

        var body = await _host.SendAsync(ApiKey.DescribeGroups, 4, w =>
        {
            w.WriteArrayCount(2);
            w.WriteString("g");
            w.WriteString("missing");
            w.WriteBoolean(false); // include_authorized_operations (v3+)
        });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ReadInt32(), Is.Zero, "throttle_time_ms");
            Assert.That(r.ReadArrayCount(), Is.EqualTo(2));
            Assert.That((r.ReadInt16(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString()),
                Is.EqualTo(((short)0, "g", "Stable", "consumer", "range")));
            Assert.That(r.ReadArrayCount(), Is.EqualTo(1));
            Assert.That((r.ReadString(), r.ReadNullableString(), r.ReadString(), r.ReadString()),
                Is.EqualTo((joined.MemberId, (string?)null, "test-client", "10.0.0.9")));
            Assert.That(r.ReadBytes(), Is.EqualTo(new byte[] { 0, 1, 2 }));
            Assert.That(r.ReadBytes(), Is.EqualTo(new byte[] { 4, 2 }));
            Assert.That(r.ReadInt32(), Is.EqualTo(int.MinValue), "authorized_operations");
            Assert.That((r.ReadInt16(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadArrayCount(), r.ReadInt32()),
                Is.EqualTo(((short)0, "missing", "Dead", "", "", 0, int.MinValue)));
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public async Task ListGroupsV2_ListsLiveAndCommitOnlyGroups()
    {
        await JoinAsMemberAsync();
        _host.Offsets.Commit("archived", [("t", 0, new(1, -1, null, 0))]);

        var body = await _host.SendAsync(ApiKey.ListGroups, 2, _ => { });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((r.ReadInt32(), r.ReadInt16(), r.ReadArrayCount()), Is.EqualTo((0, (short)0, 2)));
            Assert.That((r.ReadString(), r.ReadString()), Is.EqualTo(("archived", "")));
            Assert.That((r.ReadString(), r.ReadString()), Is.EqualTo(("g", "consumer")));
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public async Task FindCoordinatorV2_AnyGroup_ReturnsThisNode()
    {
        var body = await _host.SendAsync(ApiKey.FindCoordinator, 2, w =>
        {
            w.WriteString("g");
            w.WriteInt8(0); // key_type: group
        });

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((r.ReadInt32(), r.ReadInt16(), r.ReadNullableString()), Is.EqualTo((0, (short)0, (string?)null)));
            Assert.That((r.ReadInt32(), r.ReadString(), r.ReadInt32()), Is.EqualTo((7, "127.0.0.1", 19092)));
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public async Task FindCoordinatorV0_AnyGroup_ReturnsThisNodeWithoutThrottleOrMessage()
    {
        var body = await _host.SendAsync(ApiKey.FindCoordinator, 0, w => w.WriteString("g"));

        var r = new KafkaReader(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((r.ReadInt16(), r.ReadInt32(), r.ReadString(), r.ReadInt32()), Is.EqualTo(((short)0, 7, "127.0.0.1", 19092)));
            Assert.That(r.End, Is.True);
        }
    }

    [Test]
    public void AddBrokerGroups_RegistersOneHandlerPerGroupApi()
    {
        var keys = new[] { ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.Heartbeat,
            ApiKey.LeaveGroup, ApiKey.SyncGroup, ApiKey.DescribeGroups, ApiKey.ListGroups };

        Assert.That(keys.Select(k => (k, _host.Handler(k).MinVersion, _host.Handler(k).MaxVersion)), Is.EqualTo(new[]
        {
            (ApiKey.OffsetCommit, (short)2, (short)7), (ApiKey.OffsetFetch, (short)1, (short)5), (ApiKey.FindCoordinator, (short)0, (short)2),
            (ApiKey.JoinGroup, (short)0, (short)5), (ApiKey.Heartbeat, (short)0, (short)3), (ApiKey.LeaveGroup, (short)0, (short)1),
            (ApiKey.SyncGroup, (short)0, (short)3), (ApiKey.DescribeGroups, (short)0, (short)4), (ApiKey.ListGroups, (short)0, (short)2),
        }));
    }
}
