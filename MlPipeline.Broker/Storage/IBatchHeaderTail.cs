using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Storage;

/// <summary>
/// A log that can replay the headers of its newest batches without reading their records: what the broker
/// needs to rebuild idempotent-producer state when it reopens a log that outlived a restart. Optional next to
/// <see cref="IPartitionLog"/>: a log that starts empty every time (memory) has nothing to replay.
/// </summary>
public interface IBatchHeaderTail
{
    /// <summary>
    /// Calls <paramref name="onBatch"/> with the header of every batch in the log's tail, oldest first, with
    /// the offsets the log assigned. How far back the tail reaches is the implementation's documented bound.
    /// </summary>
    void ReadTailHeaders(Action<RecordBatchHeader> onBatch);
}
