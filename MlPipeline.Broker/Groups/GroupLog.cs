using Microsoft.Extensions.Logging;

namespace MlPipeline.Broker.Groups;

/// <summary>Source-generated log messages of the group coordinator (one place, stable event ids).</summary>
internal static partial class GroupLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Group {GroupId} is rebalancing: {Reason}")]
    public static partial void RebalanceStarted(this ILogger logger, string groupId, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information,
        Message = "Group {GroupId} formed generation {GenerationId} with {MemberCount} member(s), protocol {Protocol}, leader {LeaderId}")]
    public static partial void GenerationFormed(this ILogger logger, string groupId, int generationId, int memberCount, string protocol, string leaderId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Group {GroupId} is empty at generation {GenerationId}")]
    public static partial void GroupEmptied(this ILogger logger, string groupId, int generationId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Group {GroupId} removed member {MemberId}: {Reason}")]
    public static partial void MemberRemoved(this ILogger logger, string groupId, string memberId, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error, Message = "Storing committed offsets of group {GroupId} failed, the client gets KAFKA_STORAGE_ERROR: {Reason}")]
    public static partial void CommitFailed(this ILogger logger, Exception exception, string groupId, string reason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Group {GroupId} expired: empty, and its committed offsets past retention")]
    public static partial void GroupExpired(this ILogger logger, string groupId);
}
