using Microsoft.Extensions.Logging;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.Groups;

/// <summary>
/// One classic consumer group: its members, generation, chosen protocol and assignments, and the rebalance
/// state machine of BRIEF §8.
/// <para>
/// Ownership: every field (and every <see cref="GroupMember"/>) is guarded by <see cref="_lock"/>. Requests,
/// session timers, the rebalance timer and the pending-member timers all take that lock, do their bookkeeping
/// synchronously and release it; nothing awaits while holding it. Parked JoinGroup/SyncGroup requests are
/// <see cref="TaskCompletionSource{T}"/>s created with RunContinuationsAsynchronously, so completing one under
/// the lock never runs the waiting handler inline. Each group has its own lock, so a rebalance parks only the
/// requests of its own members and never another group or connection.
/// </para>
/// </summary>
internal sealed class Group : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly IGroupOffsetStore _offsets;
    private readonly ILogger _logger;

    // member id => member, in join order: the oldest member becomes leader when the leader is gone
    private readonly OrderedDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);

    // member id handed out with MEMBER_ID_REQUIRED => timer that forgets it after one session timeout
    private readonly Dictionary<string, ITimer> _pendingMembers = new(StringComparer.Ordinal);

    private ITimer? _rebalanceTimer;

    // Bumped whenever a rebalance starts or completes, so a rebalance timer that fires late (its callback
    // was already waiting for the lock) can tell it belongs to a finished rebalance and do nothing.
    private int _rebalanceEpoch;

    private GroupState _state = GroupState.Empty;
    private int _generationId;
    private string _protocolType = "";
    private string? _protocolName;
    private string? _leaderId;
    private bool _disposed;
    // When the group last became empty after having had members; null while it has members or never had any
    // (a group of standalone commits), whose offsets then expire one by one from their commit time.
    private DateTimeOffset? _emptySince;

    public Group(string groupId, TimeProvider time, IGroupOffsetStore offsets, ILogger logger)
    {
        GroupId = groupId;
        _time = time;
        _offsets = offsets;
        _logger = logger;
    }

    public string GroupId { get; }

    public Task<JoinGroupResult> JoinAsync(JoinGroupCommand join)
    {
        lock (_lock)
        {
            if (_disposed) return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, join.MemberId));
            if (join.ProtocolType.Length == 0 || join.Protocols.Count == 0 || !IsCompatibleWithOtherMembers(join))
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, join.MemberId));

            if (join.MemberId.Length == 0)
            {
                string memberId = $"{join.ClientId}-{Guid.NewGuid()}";
                if (!join.RequireKnownMemberId) return AddMemberAndRebalance(memberId, join);

                // KIP-394: the id is only admitted when the client comes back with it, so a client that
                // crashes between the two steps never becomes a member a rebalance has to wait for.
                AddPendingMember(memberId, join.SessionTimeoutMs);
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.MemberIdRequired, memberId));
            }

            if (_pendingMembers.Remove(join.MemberId, out var pendingTimer))
            {
                pendingTimer.Dispose();
                return AddMemberAndRebalance(join.MemberId, join);
            }

            if (!_members.TryGetValue(join.MemberId, out var member))
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));

            return RejoinExistingMember(member, join);
        }
    }

    public Task<SyncGroupResult> SyncAsync(int generationId, string memberId, IReadOnlyList<(string MemberId, byte[] Assignment)> assignments)
    {
        lock (_lock)
        {
            if (_disposed) return Task.FromResult(SyncGroupResult.Failed(ErrorCode.CoordinatorNotAvailable));
            if (!_members.TryGetValue(memberId, out var member)) return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
            if (generationId != _generationId) return Task.FromResult(SyncGroupResult.Failed(ErrorCode.IllegalGeneration));
            ResetSession(member);

            switch (_state)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                case GroupState.Stable:
                    // A late follower (or a retry) gets what the leader stored for this generation.
                    return Task.FromResult(new SyncGroupResult(ErrorCode.None, member.Assignment));
                case GroupState.CompletingRebalance:
                    member.PendingSync?.TrySetResult(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                    var parked = NewCompletion<SyncGroupResult>();
                    member.PendingSync = parked;
                    if (memberId == _leaderId) ApplyLeaderAssignments(assignments);
                    return parked.Task;
                default:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
            }
        }
    }

    public ErrorCode Heartbeat(int generationId, string memberId)
    {
        lock (_lock)
        {
            if (_disposed) return ErrorCode.CoordinatorNotAvailable;
            if (!_members.TryGetValue(memberId, out var member)) return ErrorCode.UnknownMemberId;
            if (generationId != _generationId) return ErrorCode.IllegalGeneration;
            ResetSession(member);
            // REBALANCE_IN_PROGRESS is how a Stable member learns it has to rejoin.
            return _state == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    public ErrorCode Leave(string memberId)
    {
        lock (_lock)
        {
            if (_disposed) return ErrorCode.CoordinatorNotAvailable;
            if (_pendingMembers.Remove(memberId, out var pendingTimer))
            {
                pendingTimer.Dispose();
                TryCompleteJoin();
                return ErrorCode.None;
            }

            if (!_members.TryGetValue(memberId, out var member)) return ErrorCode.UnknownMemberId;
            RemoveMember(member, "left the group");
            OnMemberRemoved("member left");
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Validates an OffsetCommit against the group and, when valid, stores the offsets while still holding
    /// the lock, so no rebalance can slip in between the check and the write.
    /// </summary>
    public ErrorCode CommitOffsets(int generationId, string memberId, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        lock (_lock)
        {
            if (_disposed) return ErrorCode.CoordinatorNotAvailable;
            var error = ValidateCommit(generationId, memberId);
            if (error != ErrorCode.None || offsets.Count == 0) return error;
            try
            {
                _offsets.Commit(GroupId, offsets);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A full or failing disk: the commit is not stored, and the client hears so (and retries) instead of
                // losing its connection.
                _logger.CommitFailed(ex, GroupId, ex.Message);
                return ErrorCode.KafkaStorageError;
            }
            return error;
        }
    }

    public GroupDescription Describe()
    {
        lock (_lock)
        {
            bool stable = _state == GroupState.Stable;
            string protocolName = stable ? _protocolName ?? "" : "";
            // As Kafka: member metadata and assignments are only meaningful once the generation is Stable.
            var members = _members.Values.Select(m => new GroupMemberDescription(
                m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
                stable ? m.MetadataFor(protocolName) : [],
                stable ? m.Assignment : [])).ToArray();
            return new GroupDescription(GroupId, _state, _protocolType, protocolName, _generationId, _leaderId, members);
        }
    }

    public GroupListing List()
    {
        lock (_lock) return new GroupListing(GroupId, _protocolType, _state);
    }

    /// <summary>
    /// Applies offsets.retention.minutes (Kafka's rules): a group with members (or members about to join) keeps
    /// everything; one that has been empty for <paramref name="retention"/> loses all its offsets; one that never had
    /// members loses each offset committed more than <paramref name="retention"/> ago. A group left with no offsets
    /// becomes dead (requests still holding it get COORDINATOR_NOT_AVAILABLE, as Kafka answers for a group removed
    /// under them, and retry on a fresh one); true means the coordinator must forget it.
    /// </summary>
    public bool TryExpire(DateTimeOffset now, TimeSpan retention)
    {
        lock (_lock)
        {
            if (_disposed) return true;
            if (_members.Count > 0 || _pendingMembers.Count > 0 || _state != GroupState.Empty) return false;
            if (_emptySince is { } since)
            {
                if (now - since < retention) return false;
                _offsets.DeleteGroup(GroupId);
            }
            else
            {
                _offsets.ExpireOffsets(GroupId, (now - retention).ToUnixTimeMilliseconds());
                if (_offsets.GetAll(GroupId).Count > 0) return false;
            }
            _disposed = true;
            return true;
        }
    }

    /// <summary>Stops every timer and answers parked requests so their handlers return during shutdown.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _rebalanceTimer?.Dispose();
            _rebalanceTimer = null;
            foreach (var timer in _pendingMembers.Values) timer.Dispose();
            _pendingMembers.Clear();
            foreach (var member in _members.Values)
            {
                member.SessionTimer?.Dispose();
                member.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, member.MemberId));
                member.PendingSync?.TrySetResult(SyncGroupResult.Failed(ErrorCode.CoordinatorNotAvailable));
                member.PendingJoin = null;
                member.PendingSync = null;
            }
        }
    }

    // ---- everything below runs with _lock held ----

    private bool IsCompatibleWithOtherMembers(JoinGroupCommand join)
    {
        var others = _members.Values.Where(m => m.MemberId != join.MemberId).ToArray();
        if (others.Length == 0) return true;
        if (join.ProtocolType != _protocolType) return false;
        // The group can only ever pick a protocol every member supports, so the newcomer must share one.
        return join.Protocols.Any(p => others.All(m => m.Supports(p.Name)));
    }

    private Task<JoinGroupResult> AddMemberAndRebalance(string memberId, JoinGroupCommand join)
    {
        var member = new GroupMember(memberId, join);
        if (_members.Count == 0) _protocolType = join.ProtocolType;
        _emptySince = null;
        _members.Add(memberId, member);
        _leaderId ??= memberId;
        member.SessionTimer = _time.CreateTimer(_ => OnSessionTimer(member), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ResetSession(member);
        var parked = ParkJoin(member);
        PrepareRebalance($"member {memberId} joined");
        TryCompleteJoin();
        return parked;
    }

    private Task<JoinGroupResult> RejoinExistingMember(GroupMember member, JoinGroupCommand join)
    {
        ResetSession(member);
        if (_members.Count == 1) _protocolType = join.ProtocolType; // a sole member may switch protocol type
        switch (_state)
        {
            case GroupState.PreparingRebalance:
                member.Update(join);
                var parked = ParkJoin(member);
                TryCompleteJoin();
                return parked;

            case GroupState.CompletingRebalance when member.HasSameProtocols(join.Protocols):
            case GroupState.Stable when member.MemberId != _leaderId && member.HasSameProtocols(join.Protocols):
                // Nothing changed for this follower (typically a retried JoinGroup): resend the current generation.
                return Task.FromResult(JoinResultFor(member));

            default:
                // Changed metadata, or the leader rejoining (it wants to reassign): a new generation.
                member.Update(join);
                var rejoined = ParkJoin(member);
                PrepareRebalance($"member {member.MemberId} rejoined with new metadata or as leader");
                TryCompleteJoin();
                return rejoined;
        }
    }

    private Task<JoinGroupResult> ParkJoin(GroupMember member)
    {
        // A second JoinGroup from the same member replaces the first; the first must still be answered,
        // because its connection answers requests in order and would otherwise stall behind it.
        member.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.RebalanceInProgress, member.MemberId));
        var parked = NewCompletion<JoinGroupResult>();
        member.PendingJoin = parked;
        return parked.Task;
    }

    private void AddPendingMember(string memberId, int sessionTimeoutMs)
    {
        var timer = _time.CreateTimer(_ => OnPendingMemberExpired(memberId), null, TimeSpan.FromMilliseconds(sessionTimeoutMs), Timeout.InfiniteTimeSpan);
        _pendingMembers.Add(memberId, timer);
    }

    private void PrepareRebalance(string reason)
    {
        if (_state == GroupState.PreparingRebalance) return;
        if (_state == GroupState.CompletingRebalance)
        {
            // The generation being synced is abandoned: its parked followers must rejoin.
            foreach (var member in _members.Values)
            {
                member.PendingSync?.TrySetResult(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                member.PendingSync = null;
            }
        }

        _state = GroupState.PreparingRebalance;
        _logger.RebalanceStarted(GroupId, reason);

        // No initial delay (Kafka waits 3 s for more members): joins are answered as soon as every known
        // member rejoined, or when the longest rebalance timeout of the members passes.
        int epoch = ++_rebalanceEpoch;
        int timeoutMs = _members.Count == 0 ? 0 : _members.Values.Max(m => m.RebalanceTimeoutMs);
        _rebalanceTimer?.Dispose();
        _rebalanceTimer = _time.CreateTimer(_ => OnRebalanceTimeout(epoch), null, TimeSpan.FromMilliseconds(timeoutMs), Timeout.InfiniteTimeSpan);
    }

    private void TryCompleteJoin()
    {
        if (_state != GroupState.PreparingRebalance) return;
        // Members that were just handed an id (MEMBER_ID_REQUIRED) are about to join: wait for them too,
        // so consumers starting together land in one generation. Their id expires after a session timeout.
        if (_pendingMembers.Count > 0) return;
        if (_members.Values.Any(m => m.PendingJoin is null)) return;
        CompleteJoin();
    }

    private void CompleteJoin()
    {
        _rebalanceTimer?.Dispose();
        _rebalanceTimer = null;
        _rebalanceEpoch++;

        foreach (var member in _members.Values.Where(m => m.PendingJoin is null).ToArray())
            RemoveMember(member, "did not rejoin before the rebalance timeout");

        _generationId++;
        if (_members.Count == 0)
        {
            _state = GroupState.Empty;
            _emptySince = _time.GetUtcNow();
            _protocolName = null;
            _leaderId = null;
            _logger.GroupEmptied(GroupId, _generationId);
            return;
        }

        _protocolName = SelectProtocol();
        if (_leaderId is null || !_members.ContainsKey(_leaderId)) _leaderId = _members.GetAt(0).Key;
        _state = GroupState.CompletingRebalance;
        _logger.GenerationFormed(GroupId, _generationId, _members.Count, _protocolName, _leaderId);

        foreach (var member in _members.Values)
        {
            member.Assignment = [];
            ResetSession(member);
            var parked = member.PendingJoin;
            member.PendingJoin = null;
            parked?.TrySetResult(JoinResultFor(member));
        }
    }

    /// <summary>Each member votes for its most preferred protocol that every member supports; most votes wins.</summary>
    private string SelectProtocol()
    {
        var members = _members.Values.ToArray();
        var candidates = members[0].Protocols.Select(p => p.Name).Where(name => members.All(m => m.Supports(name))).ToArray();
        if (candidates.Length == 0) return members[0].Protocols[0].Name; // unreachable: joins are checked for a shared protocol
        var votes = members.Select(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name)
            .GroupBy(name => name)
            .ToDictionary(g => g.Key, g => g.Count());
        // Ties go to the earliest candidate in the oldest member's preference order (deterministic).
        return candidates.OrderByDescending(name => votes.GetValueOrDefault(name)).First();
    }

    private JoinGroupResult JoinResultFor(GroupMember member)
    {
        string protocol = _protocolName ?? "";
        string leader = _leaderId ?? "";
        // Only the leader computes assignments, so only it receives every member's subscription.
        IReadOnlyList<JoinedMember> members = member.MemberId == leader
            ? _members.Values.Select(m => new JoinedMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(protocol))).ToArray()
            : [];
        return new JoinGroupResult(ErrorCode.None, _generationId, protocol, leader, member.MemberId, members);
    }

    private void ApplyLeaderAssignments(IReadOnlyList<(string MemberId, byte[] Assignment)> assignments)
    {
        var byMember = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (memberId, assignment) in assignments) byMember[memberId] = assignment;

        _state = GroupState.Stable;
        foreach (var member in _members.Values)
        {
            // A member the leader skipped gets zero bytes rather than nothing at all.
            member.Assignment = byMember.GetValueOrDefault(member.MemberId) ?? [];
            var parked = member.PendingSync;
            member.PendingSync = null;
            parked?.TrySetResult(new SyncGroupResult(ErrorCode.None, member.Assignment));
        }
    }

    private ErrorCode ValidateCommit(int generationId, string memberId)
    {
        // Standalone consumers and admin tools commit with generation -1 and no member id; that is only
        // safe while no live generation owns the partitions.
        if (_members.Count == 0) return generationId < 0 ? ErrorCode.None : ErrorCode.UnknownMemberId;
        if (!_members.TryGetValue(memberId, out var member)) return ErrorCode.UnknownMemberId;
        if (generationId != _generationId) return ErrorCode.IllegalGeneration;
        // During PreparingRebalance the old generation may still commit what it processed before rejoining;
        // during CompletingRebalance the new assignment is not known yet.
        if (_state == GroupState.CompletingRebalance) return ErrorCode.RebalanceInProgress;
        ResetSession(member);
        return ErrorCode.None;
    }

    private void RemoveMember(GroupMember member, string reason)
    {
        _members.Remove(member.MemberId);
        member.SessionTimer?.Dispose();
        member.SessionTimer = null;
        member.PendingJoin?.TrySetResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, member.MemberId));
        member.PendingSync?.TrySetResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
        member.PendingJoin = null;
        member.PendingSync = null;
        if (_leaderId == member.MemberId) _leaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
        _logger.MemberRemoved(GroupId, member.MemberId, reason);
    }

    private void OnMemberRemoved(string reason)
    {
        switch (_state)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(reason);
                TryCompleteJoin();
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin();
                break;
        }
    }

    private void ResetSession(GroupMember member)
    {
        var timeout = TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
        member.SessionDeadline = _time.GetUtcNow() + timeout;
        member.SessionTimer?.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    private static TaskCompletionSource<T> NewCompletion<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---- timer callbacks: each takes the lock and re-checks that what it was armed for still holds ----

    private void OnSessionTimer(GroupMember member)
    {
        lock (_lock)
        {
            if (_disposed || !_members.TryGetValue(member.MemberId, out var current) || !ReferenceEquals(current, member)) return;
            var remaining = member.SessionDeadline - _time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                // Reset by a request while this callback waited for the lock, or a system timer that fired a
                // little early against the wall clock: re-arm for what is left rather than expire a live member.
                member.SessionTimer?.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            // A member whose JoinGroup/SyncGroup is parked cannot heartbeat on that connection; as Kafka,
            // keep it alive until its request is answered.
            if (member.PendingJoin is not null || member.PendingSync is not null)
            {
                ResetSession(member);
                return;
            }

            RemoveMember(member, "session timed out");
            OnMemberRemoved($"member {member.MemberId} session timed out");
        }
    }

    private void OnRebalanceTimeout(int epoch)
    {
        lock (_lock)
        {
            if (_disposed || epoch != _rebalanceEpoch || _state != GroupState.PreparingRebalance) return;
            // Forget ids handed out with MEMBER_ID_REQUIRED that never came back, then form the generation
            // from whoever rejoined; CompleteJoin removes the rest.
            foreach (var timer in _pendingMembers.Values) timer.Dispose();
            _pendingMembers.Clear();
            CompleteJoin();
        }
    }

    private void OnPendingMemberExpired(string memberId)
    {
        lock (_lock)
        {
            if (_disposed || !_pendingMembers.Remove(memberId, out var timer)) return;
            timer.Dispose();
            TryCompleteJoin();
        }
    }
}
