namespace MlPipeline.Broker.Storage;

/// <summary>An offset a consumer group committed for one partition.</summary>
public readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata, long CommitTimestampMs);

/// <summary>
/// Committed offsets per (group, topic, partition). Implementations are thread-safe; a commit that
/// returned is durable (file store) before OffsetCommit is answered.
/// </summary>
public interface IGroupOffsetStore
{
    void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets);

    bool TryGet(string group, string topic, int partition, out CommittedOffset offset);

    /// <summary>Every partition the group has committed, for OffsetFetch with null topics (lag tools).</summary>
    IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group);

    /// <summary>Groups that hold commits, including those with no live members.</summary>
    IReadOnlyCollection<string> Groups { get; }

    /// <summary>Forgets every group's commits for a deleted topic.</summary>
    void DeleteTopic(string topic);

    /// <summary>Forgets a group's commits entirely.</summary>
    void DeleteGroup(string group);

    /// <summary>
    /// Forgets the group's commits made before <paramref name="committedBeforeMs"/> (Unix ms), and the group itself
    /// when none remain (offsets.retention.minutes for a group that never had members). Returns how many were removed.
    /// </summary>
    int ExpireOffsets(string group, long committedBeforeMs);
}
