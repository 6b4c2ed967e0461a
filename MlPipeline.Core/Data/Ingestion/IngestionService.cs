using System.Threading.Channels;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// Accepts ingestions: records each job durably, then hands it to the ingestion stage through a bounded queue, so
/// the HTTP request returns at once and a flood of requests cannot pile up unbounded work.
/// </summary>
public sealed class IngestionService(IngestionJobStore jobs, TimeProvider timeProvider, int queueCapacity)
{
    private readonly Channel<IngestionJob> queue = Channel.CreateBounded<IngestionJob>(
        new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    /// <summary>The jobs the ingestion stage works through.</summary>
    public ChannelReader<IngestionJob> Queue => queue.Reader;

    public IngestionJobStore Jobs => jobs;

    /// <summary>True while the queue has no room: an upload is refused before its body is read.</summary>
    public bool IsFull => queue.Reader.Count >= queueCapacity;

    /// <summary>A fresh, time-ordered dataset id (file-name and Kafka-key safe).</summary>
    public string NewDatasetId() => "ds-" + Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString("N");

    /// <summary>Records and queues an ingestion of <paramref name="realPath"/>; returns null when the queue is full.</summary>
    public Task<IngestionJob?> SubmitAsync(string realPath, string model, string label, string? datasetId, CancellationToken cancellationToken) =>
        SubmitAsync(realPath, model, label, datasetId, task: null, cancellationToken);

    /// <param name="task">The task its training must learn, overriding <c>training.task</c>; null for the configured one.</param>
    public async Task<IngestionJob?> SubmitAsync(
        string realPath, string model, string label, string? datasetId, TrainingTask? task, CancellationToken cancellationToken)
    {
        var job = new IngestionJob
        {
            DatasetId = datasetId ?? NewDatasetId(),
            FilePath = realPath,
            Model = model,
            Label = label,
            Task = task,
            CreatedAt = timeProvider.GetUtcNow(),
            StartMessageId = Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString(),
        };
        // Recorded before it is queued: the worker's own updates must not be overwritten by this first record.
        await jobs.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        if (!queue.Writer.TryWrite(job))
        {
            await jobs.SaveAsync(job with { State = IngestionState.Failed, Error = "the ingestion queue is full" }, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return job;
    }
}
