using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>
/// Streams CSV files onto the raw-data topic off the request thread, up to <c>performance.producer_threads</c>
/// ingestions at once. On start it resumes the ingestions a previous run left unfinished (through the same limit)
/// and, on a first start with an empty model store, ingests the sample. Every message is keyed by dataset id, and one
/// dataset is never ingested twice at once, so each dataset stays in one partition, in order. All ingestions share
/// the process's one long-lived producer (librdkafka batches across them); a stop cancels them all and waits while
/// each one saves its checkpoint.
/// </summary>
public sealed class IngestionStage(
    IngestionService ingestions,
    DatasetIngestor ingestor,
    DataPathResolver paths,
    ModelStore models,
    KafkaProducerManager producer,
    KafkaMessageFactory messages,
    TopicProvisioningService topics,
    PipelineConfig config,
    ILogger<IngestionStage> logger) : BackgroundService
{
    public const string Source = "ingestion";

    // One slot per ingestion allowed to publish at once (performance.producer_threads). Never disposed: an ingestion
    // still running after a stop that outlived its timeout releases its slot later, and a SemaphoreSlim whose wait
    // handle was never asked for holds nothing to free.
    private readonly SemaphoreSlim slots = new(config.Performance.ProducerThreads, config.Performance.ProducerThreads);

    // dataset id => its ingestion while it runs; guarded by locking it. Entries remove themselves when they end.
    private readonly Dictionary<string, Task> running = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await topics.WhenReadyAsync(stoppingToken);
            foreach (var job in ingestions.Jobs.Unfinished())
            {
                logger.LogInformation("Resuming ingestion {DatasetId} after row {Row}", job.DatasetId, job.RowsPublished);
                await StartWhenASlotIsFreeAsync(job, stoppingToken);
            }

            await IngestSampleOnFirstStartAsync(stoppingToken);
            await foreach (var job in ingestions.Queue.ReadAllAsync(stoppingToken))
            {
                await StartWhenASlotIsFreeAsync(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Ingestion stopping; unfinished ingestions resume on the next start");
        }
        finally
        {
            // The stop token cancelled every running ingestion; each saves its checkpoint before its task ends.
            Task[] stillRunning;
            lock (running)
            {
                stillRunning = [.. running.Values];
            }

            await Task.WhenAll(stillRunning);
        }
    }

    private async Task StartWhenASlotIsFreeAsync(IngestionJob job, CancellationToken cancellationToken)
    {
        Task? sameDataset;
        lock (running)
        {
            running.TryGetValue(job.DatasetId, out sameDataset);
        }

        if (sameDataset is not null)
        {
            // A dataset's rows must stay in order on its key: never two ingestions of one dataset at once.
            await sameDataset.WaitAsync(cancellationToken);
        }

        await slots.WaitAsync(cancellationToken);
        // A job resumed on start is also still in the queue when it was queued before the restart: skip it then.
        if (ingestions.Jobs.Get(job.DatasetId) is { IsUnfinished: false })
        {
            slots.Release();
            return;
        }

        lock (running)
        {
            // Started under the lock, so the task's own removal (which takes the lock) cannot run before this insert.
            running[job.DatasetId] = Task.Run(() => RunInSlotAsync(job, cancellationToken), CancellationToken.None);
        }
    }

    private async Task RunInSlotAsync(IngestionJob job, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(job, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Ingestion {DatasetId} stopped; its checkpoint is saved", job.DatasetId);
        }
        finally
        {
            lock (running)
            {
                running.Remove(job.DatasetId);
            }

            slots.Release();
        }
    }

    private async Task RunAsync(IngestionJob job, CancellationToken cancellationToken)
    {
        try
        {
            var done = await ingestor.RunAsync(job, (payload, token) => PublishAsync(job, payload, token), cancellationToken);
            logger.LogInformation("Ingested {Rows} rows of {File} as {DatasetId}", done.RowsRead, done.FilePath, done.DatasetId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Ingestion {DatasetId} of {File} failed", job.DatasetId, job.FilePath);
            var current = ingestions.Jobs.Get(job.DatasetId) ?? job;
            await ingestions.Jobs.SaveAsync(current with { State = IngestionState.Failed, Error = exception.Message }, cancellationToken);
        }
    }

    private Task PublishAsync(IngestionJob job, RawDataPayload payload, CancellationToken cancellationToken) =>
        producer.SendAsync(config.Topics.RawDataTopic, RawDataMessages.Create(messages, job, payload, Source), payload.DatasetId, cancellationToken);

    private async Task IngestSampleOnFirstStartAsync(CancellationToken cancellationToken)
    {
        if (!config.Data.IngestSampleOnFirstStart || models.ListModels().Count > 0 || !ingestions.Jobs.IsEmpty)
        {
            return;
        }

        var sample = paths.Resolve(config.Data.SampleFile);
        if (!sample.Succeeded)
        {
            logger.LogWarning("First start: no sample to ingest ({Reason})", sample.Message);
            return;
        }

        var job = await ingestions.SubmitAsync(sample.FullPath!, config.Training.ModelName, config.Data.LabelColumn, null, cancellationToken);
        logger.LogInformation("First start with an empty model store: ingesting the sample {File} as {DatasetId}", sample.FullPath, job?.DatasetId);
    }
}
