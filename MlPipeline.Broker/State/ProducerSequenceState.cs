using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.State;

/// <summary>
/// What one idempotent producer last wrote to one partition: its epoch and the sequence ranges and base
/// offsets of its last five batches (librdkafka keeps at most five requests in flight, so a retry can only
/// ever repeat one of those five). Owned by its <see cref="PartitionState"/> and only touched under that
/// partition's append lock.
/// </summary>
internal sealed class ProducerSequenceState
{
    /// <summary>As Kafka: a retried batch is recognised only among the producer's last five.</summary>
    public const int RememberedBatches = 5;

    private readonly BatchSequence[] _recent = new BatchSequence[RememberedBatches];
    private int _count;
    private int _newest = -1;

    private readonly record struct BatchSequence(int FirstSequence, int LastSequence, long BaseOffset);

    public ProducerSequenceState(short epoch) => Epoch = epoch;

    public short Epoch { get; private set; }

    /// <summary>When (Unix ms, the broker's clock) the producer last appended here, or the partition was reopened;
    /// drives producer.id.expiration.ms. Set by the owning partition.</summary>
    public long LastAppendMs { get; set; }

    /// <summary>
    /// Decides what to do with a batch before it is appended (BRIEF §4). Returns
    /// <see cref="SequenceCheck.Append"/>, <see cref="SequenceCheck.Duplicate"/> (with the offset the
    /// original got) or an error.
    /// </summary>
    public SequenceCheck Check(short epoch, int baseSequence, int recordCount, out long duplicateBaseOffset)
    {
        duplicateBaseOffset = -1;
        if (epoch < Epoch) return SequenceCheck.Fail(ErrorCode.InvalidProducerEpoch);
        // A bumped epoch (librdkafka bumps locally after a timeout) restarts the sequence at 0.
        if (epoch > Epoch) return baseSequence == 0 ? SequenceCheck.Append : SequenceCheck.Fail(ErrorCode.OutOfOrderSequenceNumber);

        int lastSequence = IncrementSequence(baseSequence, recordCount - 1);
        for (int i = 0; i < _count; i++)
        {
            var known = _recent[i];
            if (known.FirstSequence == baseSequence && known.LastSequence == lastSequence)
            {
                duplicateBaseOffset = known.BaseOffset;
                return SequenceCheck.Duplicate;
            }
        }

        if (_count == 0) return SequenceCheck.Append;
        int expected = IncrementSequence(_recent[_newest].LastSequence, 1);
        return baseSequence == expected ? SequenceCheck.Append : SequenceCheck.Fail(ErrorCode.OutOfOrderSequenceNumber);
    }

    /// <summary>Remembers a batch that was appended (call only after <see cref="Check"/> said Append).</summary>
    public void Record(short epoch, int baseSequence, int recordCount, long baseOffset)
    {
        if (epoch != Epoch)
        {
            Epoch = epoch;
            _count = 0;
            _newest = -1;
        }
        _newest = (_newest + 1) % RememberedBatches;
        _recent[_newest] = new BatchSequence(baseSequence, IncrementSequence(baseSequence, recordCount - 1), baseOffset);
        if (_count < RememberedBatches) _count++;
    }

    /// <summary>Sequences wrap from Int32.MaxValue to 0 (Kafka's DefaultRecordBatch.incrementSequence).</summary>
    internal static int IncrementSequence(int sequence, int increment) =>
        sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;
}

/// <summary>Outcome of an idempotence check: append, acknowledge as duplicate, or reject with an error.</summary>
internal readonly record struct SequenceCheck(ErrorCode Error, bool IsDuplicate)
{
    public static SequenceCheck Append => new(ErrorCode.None, false);
    public static SequenceCheck Duplicate => new(ErrorCode.None, true);
    public static SequenceCheck Fail(ErrorCode error) => new(error, false);
}
