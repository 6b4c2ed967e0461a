using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>
/// processed_data → training data store. Rows and rejection notices are stored idempotently by row number, the
/// end marker records the expected count. When a dataset becomes complete its training is recorded durably
/// (<see cref="TrainingJobStore"/>) BEFORE the handler returns and the offset is stored, then queued for the
/// training worker: the consumer never waits minutes for a model, and a crash mid-training retrains on restart.
/// </summary>
public sealed class TrainingStage(
    KafkaConsumerManager consumers,
    TrainingDataStoreProvider stores,
    TrainingJobStore jobs,
    TrainingQueue queue,
    TopicProvisioningService topics,
    PipelineConfig config,
    ILogger<TrainingStage> logger) : BackgroundService
{
    // New rows per model since its last every-N-rows retraining (retrain_every_rows); lanes of different partitions
    // update it concurrently, so CountTowardRetraining changes it only by compare-and-swap.
    private readonly ConcurrentDictionary<string, long> newRowsByModel = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await stores.GetAsync(stoppingToken);
            await topics.WhenReadyAsync(stoppingToken);
            await consumers.ConsumeUntilStoppedAsync(
                [config.Topics.ProcessedDataTopic], $"{config.Consumer.GroupId}.training", HandleAsync, prefetch: 1, stoppingToken);
            logger.LogInformation("Training stage stopped");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Training stage stopped before it subscribed");
        }
    }

    private async Task HandleAsync(ConsumedMessage message, CancellationToken cancellationToken)
    {
        var payload = message.Envelope.ReadData(ContractJson.ProcessedData);
        var store = await stores.GetAsync(cancellationToken);
        await store.RecordSchemaAsync(payload.DatasetId, payload.Schema, cancellationToken);
        // One call per message: the store writes its rows in batches of performance.batch_processing_size lines, one
        // flush each, instead of one write, flush and lock round trip per row.
        var stored = await store.AddRangeAsync(payload.DatasetId, payload.Rows ?? [], payload.Rejected ?? [], cancellationToken);
        long added = stored.NewRows;

        if (payload.Kind == DatasetMessageKinds.DatasetEnd && payload.RowCount is { } rowCount)
        {
            await store.MarkEndAsync(payload.DatasetId, rowCount, cancellationToken);
        }

        if (store.IsComplete(payload.DatasetId))
        {
            var request = new TrainingRequest(payload.Model, payload.DatasetId);
            if (jobs.TryMarkPending(request))
            {
                logger.LogInformation("Dataset {DatasetId} complete: training model {Model}", payload.DatasetId, payload.Model);
                queue.Enqueue(new QueuedTraining(request, DatasetCompleted: true));
            }
        }

        CountTowardRetraining(payload.Model, added);
    }

    private void CountTowardRetraining(string model, long added)
    {
        var every = config.Training.RetrainEveryRows;
        if (every <= 0 || added == 0)
        {
            return;
        }

        // Add and reset in one compare-and-swap: a plain read-then-reset would let two handlers both see the threshold
        // reached (two retrainings) or lose rows counted between the read and the reset.
        while (true)
        {
            var current = newRowsByModel.GetOrAdd(model, 0);
            var total = current + added;
            var reached = total >= every;
            if (newRowsByModel.TryUpdate(model, reached ? 0 : total, current))
            {
                if (reached)
                {
                    queue.Enqueue(new QueuedTraining(new TrainingRequest(model, null), DatasetCompleted: false));
                }

                return;
            }
        }
    }
}
