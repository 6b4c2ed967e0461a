using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>
/// Runs queued training, one run at a time (training is CPU-heavy; two at once would only slow both). On start it
/// requeues the datasets a previous run recorded as needing training but never finished.
/// </summary>
public sealed class TrainingWorker(
    TrainingQueue queue,
    TrainingJobStore jobs,
    TrainingRunnerFactory runners,
    ILogger<TrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var runner = await runners.CreateAsync(stoppingToken);
            foreach (var pending in jobs.Pending())
            {
                logger.LogInformation("Retraining {Model} on {DatasetId}: its training had not finished", pending.Model, pending.DatasetId);
                queue.Enqueue(new QueuedTraining(pending, DatasetCompleted: true));
            }

            await foreach (var training in queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (training.DatasetCompleted && training.Request.DatasetId is { } datasetId && jobs.IsDone(datasetId))
                {
                    continue;
                }

                await runner.RunAsync(training.Request, stoppingToken);
                if (training.DatasetCompleted)
                {
                    jobs.MarkDone(training.Request);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Training worker stopping; an unfinished dataset training runs again on the next start");
        }
    }
}
