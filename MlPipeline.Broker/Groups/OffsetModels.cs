namespace MlPipeline.Broker.Groups;

/// <summary>Partitions an OffsetFetch asks for in one topic.</summary>
public sealed record OffsetFetchTopic(string Topic, IReadOnlyList<int> Partitions);

/// <summary>A committed (or, with offset -1, uncommitted) position returned by OffsetFetch.</summary>
public readonly record struct FetchedOffset(int Partition, long Offset, int LeaderEpoch, string? Metadata)
{
    public static FetchedOffset Uncommitted(int partition) => new(partition, -1, -1, "");
}

/// <summary>The offsets of one topic returned by OffsetFetch, partitions in request (or partition) order.</summary>
public sealed record FetchedTopicOffsets(string Topic, IReadOnlyList<FetchedOffset> Partitions);
