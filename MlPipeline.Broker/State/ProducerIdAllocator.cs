namespace MlPipeline.Broker.State;

/// <summary>
/// Hands out producer ids for InitProducerId. A producer that outlived a broker restart must not share its id
/// with a new producer: the newcomer starts at sequence 0 and would be rejected as out of order, or, worse,
/// its first batch would match a recovered batch of the old producer and be acknowledged as a duplicate
/// without being written. So the first id is above both
/// <list type="bullet">
/// <item>every producer id recovered from the partition logs (<see cref="PartitionState.HighestRecoveredProducerId"/>),
/// which holds even when the clock went backwards across the restart, and</item>
/// <item>a seed from the start time (ms × 1000), which covers ids the recovered logs do not show: producers
/// that never wrote, wrote only to deleted topics, or only before the replayed log tail.</item>
/// </list>
/// The next id is not persisted: the logs already hold every id that matters for deduplication, and the
/// clock seed covers the rest without an fsync on the InitProducerId path.
/// Resolved after <see cref="TopicRegistry"/> has reopened every topic (it depends on it).
/// </summary>
public sealed class ProducerIdAllocator
{
    private long _lastId;

    public ProducerIdAllocator(TimeProvider timeProvider, TopicRegistry topics)
    {
        long fromClock = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        long recovered = -1;
        foreach (var topic in topics.Topics)
            foreach (var partition in topic.Partitions)
                recovered = Math.Max(recovered, partition.HighestRecoveredProducerId);
        _lastId = Math.Max(fromClock, recovered);
    }

    public long Next() => Interlocked.Increment(ref _lastId);
}
