namespace MlPipeline.Broker.Groups;

/// <summary>
/// One member of a classic group. Owned by its <see cref="Group"/>: every field is read and written only
/// while that group's lock is held, so the class itself needs no synchronisation.
/// </summary>
internal sealed class GroupMember(string memberId, JoinGroupCommand join)
{
    public string MemberId { get; } = memberId;
    public string? GroupInstanceId { get; private set; } = join.GroupInstanceId;
    public string ClientId { get; private set; } = join.ClientId;
    public string ClientHost { get; private set; } = join.ClientHost;
    public int SessionTimeoutMs { get; private set; } = join.SessionTimeoutMs;

    /// <summary>How long a rebalance waits for this member to rejoin; v0 has no such field, so the session timeout stands in.</summary>
    public int RebalanceTimeoutMs { get; private set; } = EffectiveRebalanceTimeout(join);

    public IReadOnlyList<GroupProtocol> Protocols { get; private set; } = join.Protocols;

    /// <summary>The assignment the leader gave this member in the current generation; empty when skipped.</summary>
    public byte[] Assignment { get; set; } = [];

    /// <summary>A parked JoinGroup waiting for the rebalance to complete; null when none is parked.</summary>
    public TaskCompletionSource<JoinGroupResult>? PendingJoin { get; set; }

    /// <summary>A parked SyncGroup waiting for the leader's assignments; null when none is parked.</summary>
    public TaskCompletionSource<SyncGroupResult>? PendingSync { get; set; }

    /// <summary>Fires when the session may have expired; <see cref="SessionDeadline"/> decides whether it really has.</summary>
    public ITimer? SessionTimer { get; set; }

    /// <summary>
    /// The instant the session expires. The timer callback compares against it because a timer can fire just
    /// before a request reset it (the callback then waits for the lock and must not expire a live member).
    /// </summary>
    public DateTimeOffset SessionDeadline { get; set; }

    public bool HasSameProtocols(IReadOnlyList<GroupProtocol> protocols) =>
        protocols.Count == Protocols.Count
        && protocols.Zip(Protocols).All(pair => pair.First.Name == pair.Second.Name
            && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));

    public bool Supports(string protocolName) => Protocols.Any(p => p.Name == protocolName);

    public byte[] MetadataFor(string protocolName) =>
        Protocols.FirstOrDefault(p => p.Name == protocolName)?.Metadata ?? [];

    public void Update(JoinGroupCommand join)
    {
        GroupInstanceId = join.GroupInstanceId;
        ClientId = join.ClientId;
        ClientHost = join.ClientHost;
        SessionTimeoutMs = join.SessionTimeoutMs;
        RebalanceTimeoutMs = EffectiveRebalanceTimeout(join);
        Protocols = join.Protocols;
    }

    private static int EffectiveRebalanceTimeout(JoinGroupCommand join) =>
        join.RebalanceTimeoutMs > 0 ? join.RebalanceTimeoutMs : join.SessionTimeoutMs;
}
