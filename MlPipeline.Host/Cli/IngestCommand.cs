using System.CommandLine;
using System.Globalization;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Training;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>ingest &lt;csv&gt;</c>: publishes a CSV onto the raw-data topic through <see cref="DirectIngestion"/> (the ingestion
/// stage's ingestor and envelopes) for the running service's processing and training stages; with <c>--wait</c>,
/// waits for the training of that dataset announced on the model_training topic.
/// </summary>
internal static class IngestCommand
{
    public static Command Create(CommandLineContext context)
    {
        var csv = new Argument<FileInfo>("csv") { Description = "The CSV file to ingest (read by this command, not by the service)." };
        var model = new Option<string?>("--model") { Description = "Model name to train. Default: training.model_name.", HelpName = "name" };
        var label = new Option<string?>("--label") { Description = "Label column. Default: data.label_column.", HelpName = "column" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the service trained the dataset; print the model version and R²." };
        var timeout = new Option<int>("--timeout-seconds")
        {
            Description = "With --wait: how long to wait for training before exiting 1. Default: 600.",
            DefaultValueFactory = _ => 600,
            HelpName = "seconds",
        };
        var command = new Command("ingest",
            "Publish a CSV as a new dataset through the running pipeline (processing, then training). Prints the dataset id.")
        {
            csv, model, label, wait, timeout,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(model) is { } name && !ModelStore.IsValidName(name))
                result.AddError($"--model '{name}' is not a valid model name: letters, digits, '.', '_' or '-', not starting with '.'.");
        });
        // On the option: it runs only when the option is given (a command validator would see 0 for a defaulted option).
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--timeout-seconds must be at least 1.");
        });
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var file = parseResult.GetRequiredValue(csv);
            if (!file.Exists)
            {
                await context.Console.Error.WriteLineAsync($"error: CSV file '{file.FullName}' does not exist.");
                return ExitCodes.Usage;
            }

            var config = session.Config;
            var modelName = parseResult.GetValue(model) ?? config.Training.ModelName;
            var labelColumn = parseResult.GetValue(label) ?? config.Data.LabelColumn;
            string? datasetId = null;
            var ingestion = new DirectIngestion(
                new DataSectionOptionsView(config.Data.ChunkSize, column => config.Data.ToProcessingOptions(column)),
                Path.Combine(Path.GetTempPath(), $"mlpipeline-ingest-{Guid.NewGuid():N}"),
                TimeProvider.System);
            ingestion.Accepted += job => datasetId = job.DatasetId;

            // Watching starts before the first row is sent: training can finish before a late reader would be assigned.
            await using var trained = parseResult.GetValue(wait)
                ? await session.WatchAsync(config.Topics.ModelTrainingTopic, message => IsOutcomeOf(message, datasetId), ct)
                : null;
            await using var producer = session.CreateProducer();
            IngestionJob job;
            try
            {
                job = await ingestion.RunAsync(file.FullName, modelName, labelColumn,
                    (message, key, token) => producer.SendAsync(config.Topics.RawDataTopic, message, key, token), ct);
            }
            finally
            {
                DeleteJobDirectory(ingestion);
            }

            await context.Console.Output.WriteLineAsync(
                $"dataset {job.DatasetId}: {job.RowsPublished} rows of {file.Name} published to {config.Topics.RawDataTopic} for model '{modelName}'");
            if (trained is null)
                return ExitCodes.Success;

            var outcome = await trained.WaitAsync(TimeSpan.FromSeconds(parseResult.GetValue(timeout)), TimeProvider.System, ct);
            if (outcome is null)
            {
                await context.Console.Error.WriteLineAsync(
                    $"error: dataset {job.DatasetId} was not trained within {parseResult.GetValue(timeout)} s (is the service running? see: health)");
                return ExitCodes.Failure;
            }

            var trainingEvent = outcome.ReadData(ContractJson.ModelTraining);
            if (trainingEvent.Event == ModelTrainingEventKind.Failed)
            {
                await context.Console.Error.WriteLineAsync($"error: training model '{trainingEvent.Model}' on {job.DatasetId} failed: {trainingEvent.Reason}");
                return ExitCodes.Failure;
            }

            var quality = trainingEvent.ClassificationMetrics is { } classification
                ? string.Create(CultureInfo.InvariantCulture, $"accuracy {classification.Accuracy:0.####}")
                : string.Create(CultureInfo.InvariantCulture, $"R² {trainingEvent.Metrics?.RSquared:0.####}");
            await context.Console.Output.WriteLineAsync(
                $"trained model '{trainingEvent.Model}' version {trainingEvent.Version}: {quality} ({trainingEvent.Reason})");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    // Completed (a version was stored) or Failed ends a dataset's training; Started and Promoted do not decide anything here.
    private static bool IsOutcomeOf(KafkaMessage message, string? datasetId)
    {
        if (datasetId is null || message.MessageType != MessageType.ModelTraining)
            return false;
        var trainingEvent = message.ReadData(ContractJson.ModelTraining);
        return trainingEvent.DatasetId == datasetId && trainingEvent.Event is ModelTrainingEventKind.Completed or ModelTrainingEventKind.Failed;
    }

    private static void DeleteJobDirectory(DirectIngestion ingestion)
    {
        if (Directory.Exists(ingestion.JobDirectory))
            Directory.Delete(ingestion.JobDirectory, recursive: true);
    }
}
