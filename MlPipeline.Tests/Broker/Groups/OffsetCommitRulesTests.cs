using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using static MlPipeline.Tests.Broker.Groups.GroupTestHost;

namespace MlPipeline.Tests.Broker.Groups;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class OffsetCommitRulesTests : IDisposable
{
    private readonly GroupTestHost _host = new();
    private GroupCoordinator Coordinator => _host.Coordinator;

    public void Dispose() => _host.Dispose();

    private static (string, int, long, int, string?)[] OffsetOf(long offset) => [("t", 0, offset, -1, "meta")];

    [Test]
    public void CommitOffsets_StandaloneOnGroupWithoutMembers_IsStored()
    {
        var error = Coordinator.CommitOffsets("g", -1, "", OffsetOf(42));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error, Is.EqualTo(ErrorCode.None));
            Assert.That(_host.Offsets.TryGet("g", "t", 0, out var stored), Is.True);
            Assert.That(stored.Offset, Is.EqualTo(42));
            Assert.That(stored.CommitTimestampMs, Is.EqualTo(_host.Time.GetUtcNow().ToUnixTimeMilliseconds()));
        }
    }

    [Test]
    public void CommitOffsets_WithGenerationOnGroupWithoutMembers_IsUnknownMember()
    {
        Assert.That(Coordinator.CommitOffsets("g", 3, "ghost", OffsetOf(1)), Is.EqualTo(ErrorCode.UnknownMemberId));
    }

    [Test]
    public async Task CommitOffsets_GroupWithMembers_ValidatesMemberAndGeneration()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Coordinator.CommitOffsets("g", -1, "", OffsetOf(1)), Is.EqualTo(ErrorCode.UnknownMemberId), "standalone commits are refused while members own the group");
            Assert.That(Coordinator.CommitOffsets("g", generation, "nobody", OffsetOf(1)), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That(Coordinator.CommitOffsets("g", generation + 1, ids[0], OffsetOf(1)), Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That(_host.Offsets.GetAll("g"), Is.Empty);
            Assert.That(Coordinator.CommitOffsets("g", generation, ids[0], OffsetOf(5)), Is.EqualTo(ErrorCode.None));
            Assert.That(_host.Offsets.GetAll("g").Single().Offset.Offset, Is.EqualTo(5));
        }
    }

    [Test]
    public async Task CommitOffsets_WhileCompletingRebalance_IsRebalanceInProgress()
    {
        string a = await _host.RequestMemberIdAsync("g");
        var join = await Coordinator.JoinGroupAsync(AJoin("g", a), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(Coordinator.CommitOffsets("g", join.GenerationId, a, OffsetOf(1)), Is.EqualTo(ErrorCode.RebalanceInProgress));
    }

    [Test]
    public async Task CommitOffsets_WhilePreparingRebalance_AcceptsTheOldGeneration()
    {
        var (ids, generation) = await _host.FormStableGroupAsync("g", 2);
        _ = Coordinator.JoinGroupAsync(AJoin("g", ids[0]), CancellationToken.None);

        Assert.That(Coordinator.CommitOffsets("g", generation, ids[1], OffsetOf(1)), Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void FetchOffsets_NullTopics_ReturnsEveryCommittedPartition()
    {
        Coordinator.CommitOffsets("g", -1, "", [("b", 1, 10, 3, null), ("a", 0, 20, -1, "m"), ("b", 0, 30, -1, null)]);

        var fetched = Coordinator.FetchOffsets("g", null);

        Assert.That(fetched.SelectMany(t => t.Partitions.Select(p => (t.Topic, p.Partition, p.Offset, p.LeaderEpoch))),
            Is.EqualTo(new[] { ("a", 0, 20L, -1), ("b", 0, 30L, -1), ("b", 1, 10L, 3) }));
    }

    [Test]
    public void FetchOffsets_UncommittedPartitionOrUnknownGroup_ReturnsMinusOne()
    {
        Coordinator.CommitOffsets("g", -1, "", [("t", 0, 10, -1, null)]);

        var fetched = Coordinator.FetchOffsets("g", [new OffsetFetchTopic("t", [0, 1])]);
        var unknown = Coordinator.FetchOffsets("nobody", [new OffsetFetchTopic("t", [0])]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched.Single().Partitions.Select(p => p.Offset), Is.EqualTo(new[] { 10L, -1L }));
            Assert.That(unknown.Single().Partitions.Single().Offset, Is.EqualTo(-1));
        }
    }

    [Test]
    public async Task ListGroups_IncludesGroupsThatOnlyHoldCommits_WithEmptyProtocolType()
    {
        await _host.FormStableGroupAsync("live", 1);
        _host.Offsets.Commit("commits-only", [("t", 0, new(1, -1, null, 0))]);

        var groups = Coordinator.ListGroups();

        Assert.That(groups.Select(g => (g.GroupId, g.ProtocolType)), Is.EqualTo(new[] { ("commits-only", ""), ("live", ProtocolType) }));
    }
}
