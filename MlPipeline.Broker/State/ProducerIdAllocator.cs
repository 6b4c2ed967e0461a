namespace MlPipeline.Broker.State;

/// <summary>
/// Hands out producer ids for InitProducerId. Producer state is not persisted, so ids are seeded from
/// the start time: a producer that outlived a broker restart must not share its id with a new producer
/// (the newcomer starts at sequence 0 and would be rejected as out of order).
/// </summary>
public sealed class ProducerIdAllocator(TimeProvider timeProvider)
{
    private long _lastId = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    public long Next() => Interlocked.Increment(ref _lastId);
}
