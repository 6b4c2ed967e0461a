using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MlPipeline.Broker.State;

/// <summary>
/// Hands out producer ids for InitProducerId: random 63-bit positive numbers from the system's cryptographic
/// generator, so no client can guess another producer's id from its own and write (or fence) in its name, as it could
/// from a counter.
/// A producer that outlived a broker restart must not share its id with a new producer (the newcomer's first batch
/// could be taken for a duplicate of the old one's); with 2^63 values a repeat is vanishingly unlikely, and ids the
/// partitions recovered from their logs (<see cref="PartitionState.HighestRecoveredProducerId"/> and the live state)
/// are skipped outright. Nothing is persisted: the logs hold every id that matters for deduplication.
/// Resolved after <see cref="TopicRegistry"/> has reopened every topic (it depends on it). Thread-safe.
/// </summary>
public sealed class ProducerIdAllocator(TopicRegistry topics, ProducerIdSource source)
{
    private readonly TopicRegistry _topics = topics;

    public long Next()
    {
        while (true)
        {
            long id = source.NextCandidate();
            // 0 is avoided only to keep ids distinct from "unset"; negative ids mean "no producer" on the wire.
            if (id > 0 && !IsRecovered(id)) return id;
        }
    }

    private bool IsRecovered(long id)
    {
        foreach (var topic in _topics.Topics)
            foreach (var partition in topic.Partitions)
                if (partition.HighestRecoveredProducerId == id || partition.KnowsProducer(id))
                    return true;
        return false;
    }
}

/// <summary>Where candidate producer ids come from: the cryptographic generator (injected so tests can script it).</summary>
public class ProducerIdSource
{
    /// <summary>A uniformly random non-negative 63-bit number.</summary>
    public virtual long NextCandidate()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes) & long.MaxValue;
    }
}
