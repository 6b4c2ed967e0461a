using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Training;
using MlPipeline.Host.Apis;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>models list</c>: what the model store in <c>training.models_dir</c> holds, read straight from disk through
/// <see cref="ModelCatalog"/>, so it works with the service stopped and without a broker.
/// </summary>
internal static class ModelsCommands
{
    public static Command Create(CommandLineContext context) =>
        new("models", "Inspect the model store (training.models_dir).")
        {
            CreateList(context),
        };

    private static Command CreateList(CommandLineContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the models as JSON." };
        var command = new Command("list",
            "List every model with its versions (saved at, dataset, holdout R², RMSE, MAE) and the current version. Needs no broker.")
        {
            json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var environment = context.Console.Environment;
            var configPath = PipelineApplication.ResolveConfigPath(parseResult.GetValue(context.Options.Config), environment);
            PipelineConfig config;
            try
            {
                config = PipelineConfigLoader.Load(configPath, environment);
            }
            catch (ConfigurationException exception)
            {
                await context.Console.Error.WriteLineAsync(exception.Message);
                return ExitCodes.Usage;
            }

            var directory = Path.GetFullPath(config.Training.ModelsDir);
            if (!Directory.Exists(directory))
            {
                // Not created here: a typo in the path must not leave an empty store behind that looks valid.
                await context.Console.Error.WriteLineAsync(
                    $"error: model store '{directory}' (training.models_dir in {configPath}) does not exist; no model was trained with this configuration.");
                return ExitCodes.Failure;
            }

            IReadOnlyList<ModelCatalogEntry> models;
            try
            {
                models = await ModelCatalog.ListAsync(new ModelStore(config.Training.ToModelStoreOptions(), TimeProvider.System), cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
            {
                await context.Console.Error.WriteLineAsync($"error: cannot read the model store '{directory}': {exception.Message}");
                return ExitCodes.Failure;
            }

            var output = context.Console.Output;
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { models_dir = directory, models }, JsonDefaults.Options));
                return ExitCodes.Success;
            }

            if (models.Count == 0)
            {
                await output.WriteLineAsync($"no models in {directory}");
                return ExitCodes.Success;
            }

            foreach (var model in models)
            {
                await output.WriteLineAsync($"{model.Name}: current version {model.CurrentVersion?.ToString(CultureInfo.InvariantCulture) ?? "none (not promoted yet)"}");
                await output.WriteLineAsync("  VERSION  CURRENT  SAVED AT (UTC)       DATASET                               R²        RMSE        MAE");
                foreach (var version in model.Versions)
                {
                    // A classifier has no R²: its line shows accuracy, macro F1 and log-loss under the same columns, labelled.
                    var quality = version.Metrics is { } metrics
                        ? string.Create(CultureInfo.InvariantCulture, $"{metrics.RSquared,8:0.####}  {metrics.RootMeanSquaredError,10:0.####}  {metrics.MeanAbsoluteError,9:0.####}")
                        : version.ClassificationMetrics is { } classification
                            ? string.Create(CultureInfo.InvariantCulture, $"accuracy {classification.Accuracy:0.####}  macro F1 {classification.MacroF1:0.####}  log-loss {classification.LogLoss:0.####}")
                            : "(no metrics)";
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"  {version.Version,7}  {(version.IsCurrent ? "*" : ""),7}  {version.SavedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {version.DatasetId,-36}  {quality}"));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
