namespace MlPipeline.Core.Configuration;

/// <summary>The <c>performance:</c> section: concurrency and batching of the stages.</summary>
public sealed class PerformanceOptions
{
    /// <summary>Concurrent producing workers per stage. <value>Default 2.</value></summary>
    public int ProducerThreads { get; set; } = 2;

    /// <summary>
    /// Most messages each stage's consumer handles at once, never two of the same partition (order within a partition is
    /// kept), so at most one per assigned partition does work; more just stay idle. <value>Default 4.</value>
    /// </summary>
    public int ConsumerThreads { get; set; } = 4;

    /// <summary>Rows a stage groups into one unit of work (e.g. ingestion chunks, training buffers). <value>Default 1000.</value></summary>
    public int BatchProcessingSize { get; set; } = 1_000;

    /// <summary>Longest a handler may take for one batch; also the consumer's max.poll.interval.ms, so a stuck
    /// handler makes the member leave the group instead of holding its partitions forever. <value>Default 300.</value></summary>
    public int ProcessingTimeoutSeconds { get; set; } = 300;
}
