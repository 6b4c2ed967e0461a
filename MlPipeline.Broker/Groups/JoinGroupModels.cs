using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Groups;

/// <summary>One protocol a member offers in JoinGroup (for consumers: an assignor name and its subscription).</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>A decoded JoinGroup request, independent of its wire version.</summary>
/// <param name="RebalanceTimeoutMs">-1 when the version has no such field (v0); the session timeout is used instead.</param>
/// <param name="RequireKnownMemberId">v4+: an empty member id gets MEMBER_ID_REQUIRED and a pending id first.</param>
public sealed record JoinGroupCommand(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    int SessionTimeoutMs,
    int RebalanceTimeoutMs,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols,
    bool RequireKnownMemberId);

/// <summary>A member as the leader sees it in its JoinGroup response: the metadata of the chosen protocol.</summary>
public sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>The outcome of a JoinGroup; only the leader gets a non-empty <see cref="Members"/> list.</summary>
public sealed record JoinGroupResult(
    ErrorCode Error,
    int GenerationId,
    string ProtocolName,
    string LeaderId,
    string MemberId,
    IReadOnlyList<JoinedMember> Members)
{
    public static JoinGroupResult Failed(ErrorCode error, string memberId) => new(error, -1, "", "", memberId, []);
}

/// <summary>The outcome of a SyncGroup: this member's assignment bytes (empty, never null, on errors or when skipped).</summary>
public sealed record SyncGroupResult(ErrorCode Error, byte[] Assignment)
{
    public static SyncGroupResult Failed(ErrorCode error) => new(error, []);
}
