using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Host.Apis;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Removes what an earlier process left half-written when it was killed: partial uploads
/// (<c>{dataset_id}.csv.partial</c>, and finished uploads that never got an ingestion record), the <c>*.tmp</c> files
/// of the job stores' atomic writes, and the model store's unfinished version directories (<c>.tmp-*</c>) and
/// pointer files (<c>.current-*.tmp</c>). Only files older than this process are touched, so nothing this process is
/// writing can be removed; each removal is logged. Runs in <see cref="StartAsync"/>, before the stages start.
/// </summary>
internal sealed partial class LeftoverFileCleanup(
    PipelineConfig config,
    DataPathResolver paths,
    IngestionJobStore ingestions,
    ServiceClock clock,
    ILogger<LeftoverFileCleanup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.StartedAt.UtcDateTime;
        var uploads = Path.Combine(paths.DataRoot, config.Data.UploadsDir);
        RemoveFiles(uploads, "*" + IngestionApi.PartialUploadSuffix, startedAt, "partial upload");
        RemoveFiles(uploads, "*" + IngestionApi.UploadSuffix, startedAt, "upload never handed to ingestion",
            file => ingestions.Get(Path.GetFileNameWithoutExtension(file)) is null);

        var trainingState = Path.GetFullPath(config.Training.DataDir);
        RemoveFiles(Path.Combine(trainingState, "jobs"), "*.tmp", startedAt, "unfinished training-job write");
        RemoveFiles(Path.Combine(trainingState, "ingestions"), "*.tmp", startedAt, "unfinished ingestion-job write");

        var models = Path.GetFullPath(config.Training.ModelsDir);
        if (Directory.Exists(models))
        {
            foreach (var model in Directory.EnumerateDirectories(models))
            {
                RemoveFiles(model, ".current-*.tmp", startedAt, "unfinished current-version pointer");
                foreach (var unfinished in Directory.EnumerateDirectories(model, ".tmp-*"))
                {
                    if (Directory.GetLastWriteTimeUtc(unfinished) < startedAt)
                    {
                        Directory.Delete(unfinished, recursive: true);
                        LogRemoved("unfinished model version", unfinished);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void RemoveFiles(string directory, string pattern, DateTime startedAt, string what, Func<string, bool>? alsoRequired = null)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(directory, pattern))
        {
            if (File.GetLastWriteTimeUtc(file) < startedAt && (alsoRequired is null || alsoRequired(file)))
            {
                File.Delete(file);
                LogRemoved(what, file);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed a {What} an earlier process left behind: {Path}")]
    private partial void LogRemoved(string what, string path);
}
