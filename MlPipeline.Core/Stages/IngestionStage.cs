using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>
/// Streams CSV files onto the raw-data topic, one job at a time, off the request thread. On start it resumes the
/// ingestions a previous run left unfinished and, on a first start with an empty model store, ingests the sample.
/// Every message is keyed by dataset id, so one dataset stays in one partition, in order.
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await topics.WhenReadyAsync(stoppingToken);
            foreach (var job in ingestions.Jobs.Unfinished())
            {
                logger.LogInformation("Resuming ingestion {DatasetId} after row {Row}", job.DatasetId, job.RowsPublished);
                await RunAsync(job, stoppingToken);
            }

            await IngestSampleOnFirstStartAsync(stoppingToken);
            await foreach (var job in ingestions.Queue.ReadAllAsync(stoppingToken))
            {
                // A job resumed above is also still in the queue when it was queued before the restart: skip it then.
                if (ingestions.Jobs.Get(job.DatasetId) is { IsUnfinished: false })
                {
                    continue;
                }

                await RunAsync(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Ingestion stopped; unfinished ingestions resume on the next start");
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
