using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.Groups;

/// <summary>
/// The classic (pre-KIP-848) group coordinator of this single node: routes each request to its
/// <see cref="Group"/>, validates what does not depend on group state, and stores commits through
/// <see cref="IGroupOffsetStore"/>.
/// <para>
/// Ownership: the coordinator owns only the group-id => group map (a concurrent dictionary; groups are
/// created on first JoinGroup or OffsetCommit and live as long as the coordinator). Each group owns its
/// own state behind its own lock, so requests for different groups never wait on each other, and parked
/// JoinGroup/SyncGroup requests are awaited outside any lock.
/// </para>
/// </summary>
public sealed class GroupCoordinator : IDisposable
{
    // group id => group
    private readonly ConcurrentDictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly BrokerOptions _options;
    private readonly IGroupOffsetStore _offsets;
    private readonly ILogger<GroupCoordinator> _logger;
    private int _disposed;

    public GroupCoordinator(TimeProvider time, BrokerOptions options, IGroupOffsetStore offsets, ILogger<GroupCoordinator> logger)
    {
        _time = time;
        _options = options;
        _offsets = offsets;
        _logger = logger;
    }

    /// <summary>
    /// Joins (or rejoins) a member. The returned task completes when the rebalance completes, which can take
    /// up to the longest rebalance timeout of the group's members; <paramref name="cancellationToken"/> (the
    /// connection closing) abandons the wait but leaves the member in the group until its session expires.
    /// </summary>
    public Task<JoinGroupResult> JoinGroupAsync(JoinGroupCommand join, CancellationToken cancellationToken)
    {
        if (IsDisposed) return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, join.MemberId));
        if (join.GroupId.Length == 0) return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InvalidGroupId, join.MemberId));
        if (join.SessionTimeoutMs < _options.GroupMinSessionTimeoutMs || join.SessionTimeoutMs > _options.GroupMaxSessionTimeoutMs)
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InvalidSessionTimeout, join.MemberId));

        Group? group;
        if (join.MemberId.Length == 0) group = GetOrCreate(join.GroupId);
        else if (!_groups.TryGetValue(join.GroupId, out group))
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));

        return group.JoinAsync(join).WaitAsync(cancellationToken);
    }

    /// <summary>Syncs a member; followers' tasks complete once the leader has sent the assignments.</summary>
    public Task<SyncGroupResult> SyncGroupAsync(string groupId, int generationId, string memberId,
        IReadOnlyList<(string MemberId, byte[] Assignment)> assignments, CancellationToken cancellationToken)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
        return group.SyncAsync(generationId, memberId, assignments).WaitAsync(cancellationToken);
    }

    public ErrorCode Heartbeat(string groupId, int generationId, string memberId) =>
        _groups.TryGetValue(groupId, out var group) ? group.Heartbeat(generationId, memberId) : ErrorCode.UnknownMemberId;

    public ErrorCode LeaveGroup(string groupId, string memberId) =>
        _groups.TryGetValue(groupId, out var group) ? group.Leave(memberId) : ErrorCode.UnknownMemberId;

    /// <summary>
    /// Validates a commit against the group (BRIEF §8) and stores it; the one error applies to every partition.
    /// Offsets are stamped with the coordinator's clock.
    /// </summary>
    public ErrorCode CommitOffsets(string groupId, int generationId, string memberId,
        IReadOnlyList<(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata)> offsets)
    {
        if (IsDisposed) return ErrorCode.CoordinatorNotAvailable;
        if (groupId.Length == 0) return ErrorCode.InvalidGroupId;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var committed = offsets
            .Select(o => (o.Topic, o.Partition, new CommittedOffset(o.Offset, o.LeaderEpoch, o.Metadata, now)))
            .ToArray();
        return GetOrCreate(groupId).CommitOffsets(generationId, memberId, committed);
    }

    /// <summary>
    /// Committed offsets of a group. Null <paramref name="topics"/> means every partition the group committed
    /// (what lag tools ask for); a requested but uncommitted partition comes back as offset -1.
    /// An unknown group is not an error: it simply has no commits.
    /// </summary>
    public IReadOnlyList<FetchedTopicOffsets> FetchOffsets(string groupId, IReadOnlyList<OffsetFetchTopic>? topics)
    {
        if (topics is null)
        {
            return _offsets.GetAll(groupId)
                .GroupBy(o => o.Topic, StringComparer.Ordinal)
                .Select(g => new FetchedTopicOffsets(g.Key, g.Select(o => ToFetched(o.Partition, o.Offset)).ToArray()))
                .ToArray();
        }

        return topics.Select(t => new FetchedTopicOffsets(t.Topic, t.Partitions
                .Select(p => _offsets.TryGet(groupId, t.Topic, p, out var offset) ? ToFetched(p, offset) : FetchedOffset.Uncommitted(p))
                .ToArray()))
            .ToArray();
    }

    /// <summary>Every known group: those the coordinator tracks plus those that only hold commits (protocol type "").</summary>
    public IReadOnlyList<GroupListing> ListGroups()
    {
        var listings = _groups.Values.Select(g => g.List()).ToDictionary(l => l.GroupId, StringComparer.Ordinal);
        foreach (string groupId in _offsets.Groups)
            listings.TryAdd(groupId, new GroupListing(groupId, "", GroupState.Empty));
        return listings.Values.OrderBy(l => l.GroupId, StringComparer.Ordinal).ToArray();
    }

    /// <summary>A snapshot of one group; unknown ids are reported as <see cref="GroupState.Dead"/>, as Kafka does.</summary>
    public GroupDescription DescribeGroup(string groupId)
    {
        if (_groups.TryGetValue(groupId, out var group)) return group.Describe();
        return _offsets.Groups.Contains(groupId, StringComparer.Ordinal)
            ? new GroupDescription(groupId, GroupState.Empty, "", "", 0, null, [])
            : GroupDescription.Dead(groupId);
    }

    /// <summary>
    /// Removes empty groups whose offsets are past <see cref="BrokerOptions.OffsetsRetention"/>, and expired offsets of
    /// groups that only hold commits (standalone consumers, and every group after a restart), as Kafka's
    /// offsets.retention.minutes does. Called by the broker's maintenance timer; returns how many groups went away.
    /// A disk that refuses the journal write leaves the rest for the next run.
    /// </summary>
    public int ExpireGroups(DateTimeOffset now)
    {
        if (IsDisposed) return 0;
        int removed = 0;
        long committedBeforeMs = (now - _options.OffsetsRetention).ToUnixTimeMilliseconds();
        foreach (string groupId in _groups.Keys.Union(_offsets.Groups, StringComparer.Ordinal).ToArray())
        {
            if (_groups.TryGetValue(groupId, out var group))
            {
                if (!group.TryExpire(now, _options.OffsetsRetention)) continue;
                // Only this instance: a request may already have created a fresh group under the same id.
                if (!_groups.TryRemove(new KeyValuePair<string, Group>(groupId, group))) continue;
                group.Dispose();
            }
            else
            {
                // Known only from the store (no request since the restart). A request that creates the group now
                // commits with a fresh timestamp, which this expiry cannot remove.
                _offsets.ExpireOffsets(groupId, committedBeforeMs);
                if (_offsets.GetAll(groupId).Count > 0) continue;
            }
            _logger.GroupExpired(groupId);
            removed++;
        }
        return removed;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var group in _groups.Values) group.Dispose();
    }

    // Checked before creating a group, so nothing arms new timers once shutdown has disposed the rest.
    private bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    private Group GetOrCreate(string groupId) =>
        // GetOrAdd may build a spare Group under a race; a Group holds no timers until its first request, so
        // the loser is simply dropped.
        _groups.GetOrAdd(groupId, id => new Group(id, _time, _offsets, _logger));

    private static FetchedOffset ToFetched(int partition, CommittedOffset offset) =>
        new(partition, offset.Offset, offset.LeaderEpoch, offset.Metadata ?? "");
}
