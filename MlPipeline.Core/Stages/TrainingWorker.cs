using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>
/// Runs queued training, one run at a time (training is CPU-heavy; two at once would only slow both), so a model never
/// trains twice at once. On start it requeues the datasets a previous run recorded as needing training but never
/// finished.
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

            while (true)
            {
                var training = await queue.DequeueAsync(stoppingToken);
                var notDone = training.CompletedDatasets.Where(datasetId => !jobs.IsDone(datasetId)).ToList();
                // A redelivered end marker of a dataset that already trained asks for nothing new.
                if (!training.RequestedByCaller && notDone.Count == 0)
                {
                    continue;
                }

                await runner.RunAsync(training.Request, stoppingToken);
                foreach (var datasetId in notDone)
                {
                    jobs.MarkDone(new TrainingRequest(training.Request.Model, datasetId));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Training worker stopping; an unfinished dataset training runs again on the next start");
        }
    }
}
