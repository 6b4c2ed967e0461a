namespace MlPipeline.Core.Configuration;

/// <summary>The <c>performance:</c> section: concurrency and batching of the stages.</summary>
public sealed class PerformanceOptions
{
    /// <summary>
    /// Ingestions that publish to the raw-data topic at once (1-64); more wait in the ingestion queue as <c>queued</c>,
    /// and unfinished ingestions resumed on start go through the same limit. The process keeps ONE long-lived
    /// producer by design (librdkafka's client is thread-safe, batches across callers and owns the connections and
    /// idempotence state; several producers would only add connections and memory), so the original guide's
    /// "producer threads" become the workers feeding it. Each dataset stays one ordered stream on its own key.
    /// <value>Default 2.</value>
    /// </summary>
    public int ProducerThreads { get; set; } = 2;

    /// <summary>
    /// Most messages each stage's consumer handles at once, never two of the same partition (order within a partition is
    /// kept), so at most one per assigned partition does work; more just stay idle. <value>Default 4.</value>
    /// </summary>
    public int ConsumerThreads { get; set; } = 4;

    /// <summary>
    /// Rows the training stage writes to its data store as one buffer with one flush (1-100000): one message's rows
    /// take one write per batch instead of one per row. Larger batches mean fewer system calls and a larger buffer;
    /// a crash mid-batch loses only that batch's torn tail, which the message's redelivery stores again. How many
    /// rows one message carries is <c>data.chunk_size</c>. <value>Default 1000.</value>
    /// </summary>
    public int BatchProcessingSize { get; set; } = 1_000;

    /// <summary>Longest a handler may take for one batch; also the consumer's max.poll.interval.ms, so a stuck
    /// handler makes the member leave the group instead of holding its partitions forever. <value>Default 300.</value></summary>
    public int ProcessingTimeoutSeconds { get; set; } = 300;
}
