using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using static MlPipeline.Tests.Broker.Groups.GroupTestHost;

namespace MlPipeline.Tests.Broker.Groups;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class GroupCoordinatorTests : IDisposable
{
    private readonly GroupTestHost _host = new();
    private GroupCoordinator Coordinator => _host.Coordinator;

    public void Dispose() => _host.Dispose();

    [Test]
    public async Task JoinGroup_V4WithEmptyMemberId_AnswersMemberIdRequiredWithClientPrefixedId()
    {
        var result = await Coordinator.JoinGroupAsync(AJoin("g", clientId: "rdkafka"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(ErrorCode.MemberIdRequired));
            Assert.That(result.MemberId, Does.StartWith("rdkafka-"));
            Assert.That(Coordinator.DescribeGroup("g").Members, Is.Empty);
        }
    }

    [Test]
    public async Task JoinGroup_BeforeV4WithEmptyMemberId_AdmitsMemberDirectly()
    {
        var result = await Coordinator.JoinGroupAsync(AJoin("g", requireKnownMemberId: false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(ErrorCode.None));
            Assert.That(result.GenerationId, Is.EqualTo(1));
            Assert.That(result.LeaderId, Is.EqualTo(result.MemberId));
        }
    }

    [Test]
    public async Task TwoMembersJoining_FormOneGeneration_OnlyLeaderGetsMemberMetadata()
    {
        string a = await _host.RequestMemberIdAsync("g", "a");
        string b = await _host.RequestMemberIdAsync("g", "b");

        var joinA = Coordinator.JoinGroupAsync(AJoin("g", a, metadata: [0xA]), CancellationToken.None);
        Assert.That(joinA.IsCompleted, Is.False, "the first join is parked until the second pending member joins");
        var joinB = Coordinator.JoinGroupAsync(AJoin("g", b, metadata: [0xB]), CancellationToken.None);
        var results = await Task.WhenAll(joinA, joinB).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.GenerationId), Is.All.EqualTo(1));
            Assert.That(results.Select(r => r.LeaderId), Is.All.EqualTo(a));
            Assert.That(results.Select(r => r.ProtocolName), Is.All.EqualTo("range"));
            Assert.That(results[0].Members.Select(m => (m.MemberId, m.Metadata[0])), Is.EqualTo(new[] { (a, (byte)0xA), (b, (byte)0xB) }));
            Assert.That(results[1].Members, Is.Empty);
            Assert.That(Coordinator.DescribeGroup("g").State, Is.EqualTo(GroupState.CompletingRebalance));
        }
    }

    [Test]
    public async Task SyncGroup_FollowerBeforeLeader_ParksUntilLeaderSendsAssignments()
    {
        string a = await _host.RequestMemberIdAsync("g", "a");
        string b = await _host.RequestMemberIdAsync("g", "b");
        var joins = await Task.WhenAll(
            Coordinator.JoinGroupAsync(AJoin("g", a), CancellationToken.None),
            Coordinator.JoinGroupAsync(AJoin("g", b), CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(5));
        int generation = joins[0].GenerationId;

        var followerSync = Coordinator.SyncGroupAsync("g", generation, b, [], CancellationToken.None);
        Assert.That(followerSync.IsCompleted, Is.False);
        var leaderSync = Coordinator.SyncGroupAsync("g", generation, a, [(a, [1]), (b, [2])], CancellationToken.None);
        var results = await Task.WhenAll(leaderSync, followerSync).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.Error), Is.All.EqualTo(ErrorCode.None));
            Assert.That(results[0].Assignment, Is.EqualTo(new byte[] { 1 }));
            Assert.That(results[1].Assignment, Is.EqualTo(new byte[] { 2 }));
            Assert.That(Coordinator.DescribeGroup("g").State, Is.EqualTo(GroupState.Stable));
        }
    }

    [Test]
    public async Task SyncGroup_MemberSkippedByLeader_GetsEmptyAssignment_AndLaterSyncGetsStoredOne()
    {
        string a = await _host.RequestMemberIdAsync("g", "a");
        string b = await _host.RequestMemberIdAsync("g", "b");
        var joins = await Task.WhenAll(
            Coordinator.JoinGroupAsync(AJoin("g", a), CancellationToken.None),
            Coordinator.JoinGroupAsync(AJoin("g", b), CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(5));
        int generation = joins[0].GenerationId;

        await Coordinator.SyncGroupAsync("g", generation, a, [(a, [7])], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var lateFollower = await Coordinator.SyncGroupAsync("g", generation, b, [], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var leaderAgain = await Coordinator.SyncGroupAsync("g", generation, a, [], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lateFollower.Error, Is.EqualTo(ErrorCode.None));
            Assert.That(lateFollower.Assignment, Is.Empty);
            Assert.That(leaderAgain.Assignment, Is.EqualTo(new byte[] { 7 }));
        }
    }

    [Test]
    public async Task ThirdMemberJoining_StableGroup_RebalancesIntoNextGeneration()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2);

        var joinC = Coordinator.JoinGroupAsync(AJoin("g", requireKnownMemberId: false), CancellationToken.None);
        Assert.That(joinC.IsCompleted, Is.False);
        Assert.That(Coordinator.Heartbeat("g", generation, ids[0]), Is.EqualTo(ErrorCode.RebalanceInProgress));

        var rejoins = ids.Select(id => Coordinator.JoinGroupAsync(AJoin("g", id), CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(rejoins.Append(joinC)).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.GenerationId), Is.All.EqualTo(generation + 1));
            Assert.That(results.Select(r => r.LeaderId), Is.All.EqualTo(ids[0]), "the leader is kept when it rejoins");
            Assert.That(results[0].Members, Has.Count.EqualTo(3));
        }
    }

    [Test]
    public async Task SessionExpiry_SilentMember_IsRemovedAndGroupRebalances()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2);

        _host.Time.Advance(TimeSpan.FromMilliseconds(SessionTimeoutMs * 0.6));
        Assert.That(Coordinator.Heartbeat("g", generation, ids[0]), Is.EqualTo(ErrorCode.None));
        _host.Time.Advance(TimeSpan.FromMilliseconds(SessionTimeoutMs * 0.6));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Coordinator.DescribeGroup("g").Members.Select(m => m.MemberId), Is.EqualTo(new[] { ids[0] }));
            Assert.That(Coordinator.Heartbeat("g", generation, ids[0]), Is.EqualTo(ErrorCode.RebalanceInProgress));
            Assert.That(Coordinator.Heartbeat("g", generation, ids[1]), Is.EqualTo(ErrorCode.UnknownMemberId));
        }

        var rejoin = await Coordinator.JoinGroupAsync(AJoin("g", ids[0]), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(rejoin.GenerationId, Is.EqualTo(generation + 1));
    }

    [Test]
    public async Task SessionExpiry_LastMember_LeavesGroupEmpty()
    {
        await _host.FormStableGroupAsync("g", 1);

        _host.Time.Advance(TimeSpan.FromMilliseconds(SessionTimeoutMs + 1));

        var group = Coordinator.DescribeGroup("g");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(group.State, Is.EqualTo(GroupState.Empty));
            Assert.That(group.Members, Is.Empty);
        }
    }

    [Test]
    public async Task LeaveGroup_Member_TriggersRebalanceOfTheRest()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2);

        Assert.That(Coordinator.LeaveGroup("g", ids[1]), Is.EqualTo(ErrorCode.None));
        Assert.That(Coordinator.Heartbeat("g", generation, ids[0]), Is.EqualTo(ErrorCode.RebalanceInProgress));
        var rejoin = await Coordinator.JoinGroupAsync(AJoin("g", ids[0]), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rejoin.GenerationId, Is.EqualTo(generation + 1));
            Assert.That(rejoin.Members.Select(m => m.MemberId), Is.EqualTo(new[] { ids[0] }));
        }
    }

    [Test]
    public async Task RebalanceTimeout_MemberThatDidNotRejoin_IsRemoved()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2, sessionTimeoutMs: 2 * RebalanceTimeoutMs);
        var joinC = Coordinator.JoinGroupAsync(AJoin("g", requireKnownMemberId: false, sessionTimeoutMs: 2 * RebalanceTimeoutMs), CancellationToken.None);
        var rejoinA = Coordinator.JoinGroupAsync(AJoin("g", ids[0], sessionTimeoutMs: 2 * RebalanceTimeoutMs), CancellationToken.None);
        Assert.That(rejoinA.IsCompleted, Is.False, "member B has not rejoined yet");

        _host.Time.Advance(TimeSpan.FromMilliseconds(RebalanceTimeoutMs));
        var results = await Task.WhenAll(rejoinA, joinC).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(r => r.GenerationId), Is.All.EqualTo(generation + 1));
            Assert.That(results[0].Members.Select(m => m.MemberId).ToArray(), Has.No.Member(ids[1]).And.Length.EqualTo(2));
        }
    }

    [Test]
    public async Task GroupRequests_WrongGenerationOrUnknownMember_AreRejected()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Coordinator.Heartbeat("g", generation + 5, ids[0]), Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That(Coordinator.Heartbeat("g", generation, "nobody"), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That(Coordinator.Heartbeat("no-such-group", generation, ids[0]), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((await Coordinator.SyncGroupAsync("g", generation - 1, ids[0], [], CancellationToken.None)).Error, Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That((await Coordinator.SyncGroupAsync("g", generation, "nobody", [], CancellationToken.None)).Error, Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((await Coordinator.JoinGroupAsync(AJoin("g", "nobody"), CancellationToken.None)).Error, Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That(Coordinator.LeaveGroup("g", "nobody"), Is.EqualTo(ErrorCode.UnknownMemberId));
        }
    }

    [Test]
    public async Task SyncGroup_WhileRebalancing_AnswersRebalanceInProgress()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2);
        _ = Coordinator.JoinGroupAsync(AJoin("g", ids[0]), CancellationToken.None); // the leader rejoining starts a rebalance

        var sync = await Coordinator.SyncGroupAsync("g", generation, ids[1], [], CancellationToken.None);

        Assert.That(sync.Error, Is.EqualTo(ErrorCode.RebalanceInProgress));
    }

    [TestCase(999)]
    [TestCase(1_800_001)]
    public async Task JoinGroup_SessionTimeoutOutsideBrokerBounds_IsInvalid(int sessionTimeoutMs)
    {
        var result = await Coordinator.JoinGroupAsync(AJoin("g", sessionTimeoutMs: sessionTimeoutMs), CancellationToken.None);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidSessionTimeout));
    }

    [Test]
    public async Task JoinGroup_NoProtocolSharedWithMembers_IsInconsistent()
    {
        await _host.FormStableGroupAsync("g", 1);

        var result = await Coordinator.JoinGroupAsync(AJoin("g", protocol: "roundrobin"), CancellationToken.None);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
    }

    [Test]
    public async Task JoinGroup_ConnectionClosedWhileParked_AbandonsTheWait()
    {
        var (ids, _) = await _host.FormStableGroupAsync("g", 2);
        using var connection = new CancellationTokenSource();
        var parked = Coordinator.JoinGroupAsync(AJoin("g", ids[0]), connection.Token);

        await connection.CancelAsync();

        Assert.That(async () => await parked, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Dispose_ParkedJoin_IsAnsweredWithCoordinatorNotAvailable()
    {
        var (ids, _) = await _host.FormStableGroupAsync("g", 2);
        var parked = Coordinator.JoinGroupAsync(AJoin("g", ids[0]), CancellationToken.None);

        Coordinator.Dispose();

        var result = await parked.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(result.Error, Is.EqualTo(ErrorCode.CoordinatorNotAvailable));
    }

    [Test]
    public async Task PendingMemberThatNeverReturns_IsForgottenAfterSessionTimeout_AndJoinCompletes()
    {
        string a = await _host.RequestMemberIdAsync("g", "a");
        await _host.RequestMemberIdAsync("g", "crashed");
        var joinA = Coordinator.JoinGroupAsync(AJoin("g", a), CancellationToken.None);
        Assert.That(joinA.IsCompleted, Is.False, "waits for the other member that was just handed an id");

        _host.Time.Advance(TimeSpan.FromMilliseconds(SessionTimeoutMs));
        var result = await joinA.WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.GenerationId, Is.EqualTo(1));
            Assert.That(result.Members.Select(m => m.MemberId), Is.EqualTo(new[] { a }));
        }
    }

    [Test]
    public async Task Heartbeats_WithinSessionTimeout_KeepMemberAliveIndefinitely()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 1);

        for (int i = 0; i < 10; i++)
        {
            _host.Time.Advance(TimeSpan.FromMilliseconds(SessionTimeoutMs / 2));
            Assert.That(Coordinator.Heartbeat("g", generation, ids[0]), Is.EqualTo(ErrorCode.None));
        }

        Assert.That(Coordinator.DescribeGroup("g").State, Is.EqualTo(GroupState.Stable));
    }

    [Test]
    public async Task ParkedJoinInOneGroup_DoesNotDelayAnotherGroup()
    {
        var (ids, _) = await _host.FormStableGroupAsync("busy", 2);
        var parked = Coordinator.JoinGroupAsync(AJoin("busy", ids[0]), CancellationToken.None);

        var other = await Coordinator.JoinGroupAsync(AJoin("quiet", requireKnownMemberId: false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parked.IsCompleted, Is.False);
            Assert.That(other.Error, Is.EqualTo(ErrorCode.None));
        }
    }
}
