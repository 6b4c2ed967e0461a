namespace MlPipeline.Broker.Groups;

/// <summary>One row of ListGroups; <see cref="ProtocolType"/> is "" for groups that only hold commits.</summary>
public sealed record GroupListing(string GroupId, string ProtocolType, GroupState State);

/// <summary>A point-in-time snapshot of a group for DescribeGroups and monitoring.</summary>
/// <param name="ProtocolName">The chosen protocol while Stable; "" otherwise (as Kafka reports it).</param>
public sealed record GroupDescription(
    string GroupId,
    GroupState State,
    string ProtocolType,
    string ProtocolName,
    int GenerationId,
    string? LeaderId,
    IReadOnlyList<GroupMemberDescription> Members)
{
    public static GroupDescription Dead(string groupId) => new(groupId, GroupState.Dead, "", "", -1, null, []);
}

/// <summary>A member in <see cref="GroupDescription"/>; metadata and assignment are only filled while Stable.</summary>
public sealed record GroupMemberDescription(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    byte[] Metadata,
    byte[] Assignment);
