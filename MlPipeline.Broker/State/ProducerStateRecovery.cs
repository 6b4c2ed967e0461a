using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.State;

/// <summary>
/// Rebuilds a partition's idempotent-producer state from the batch headers in its reopened log, as Kafka
/// rebuilds its producer-state snapshot from the log on recovery (we keep no snapshot: the log is the record).
/// Each idempotent batch is replayed through <see cref="ProducerSequenceState.Record"/> in log order, exactly
/// as the live broker recorded it when it appended the batch, so a producer whose last batches are in the
/// replayed tail gets the same epoch, next sequence and last five batches (with their offsets) it had before
/// the restart: a retry of one of them is answered as a duplicate, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER.
/// Only headers are read (producer id, epoch, base sequence, lastOffsetDelta, base offset): no records are
/// decoded or decompressed.
/// <para>
/// Bound: only the log's tail is replayed (<see cref="IBatchHeaderTail"/>; the file log replays its last
/// <see cref="Storage.Files.FilePartitionLog.TailSegments"/> segments, i.e. at least one full segment.bytes).
/// That is safe because a producer can only retry one of its last five batches (its in-flight window), and
/// those are among the newest in the partition unless the producer fell silent while others wrote a whole
/// segment. Such a producer is treated as unknown, so its next batch is accepted at any sequence: the same
/// outcome as Kafka after producer-state expiry (producer.id.expiration.ms), and what the broker did for every
/// producer before this recovery existed.
/// </para>
/// </summary>
internal static class ProducerStateRecovery
{
    /// <summary>The state of every producer seen in the tail of <paramref name="log"/> (empty for a log without a tail to replay).</summary>
    public static RecoveredProducers Rebuild(IPartitionLog log)
    {
        var producers = new Dictionary<long, ProducerSequenceState>();
        long highestProducerId = -1;
        if (log is not IBatchHeaderTail tail)
            return new RecoveredProducers(producers, highestProducerId);

        tail.ReadTailHeaders(header =>
        {
            // Non-idempotent batches carry producer id -1; control batches are never accepted by Produce.
            if (header.ProducerId < 0 || header.IsControl)
                return;
            if (!producers.TryGetValue(header.ProducerId, out var state))
            {
                state = new ProducerSequenceState(header.ProducerEpoch);
                producers.Add(header.ProducerId, state);
            }
            // lastOffsetDelta + 1 is the record count (the validator rejected batches where they disagree).
            state.Record(header.ProducerEpoch, header.BaseSequence, header.LastOffsetDelta + 1, header.BaseOffset);
            highestProducerId = Math.Max(highestProducerId, header.ProducerId);
        });
        return new RecoveredProducers(producers, highestProducerId);
    }
}

/// <summary>
/// What <see cref="ProducerStateRecovery"/> found: the per-producer state (handed to the partition, which owns
/// it from then on) and the highest producer id seen, -1 when none.
/// </summary>
internal sealed record RecoveredProducers(Dictionary<long, ProducerSequenceState> Producers, long HighestProducerId);
