using MlPipeline.Core.Data;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Training;

/// <summary>One stored version of a model as listed: when, on what, and how well (regression or classification metrics).</summary>
public sealed record ModelVersionEntry(int Version, DateTimeOffset SavedAt, string DatasetId, string Trainer, RegressionMetricsSummary? Metrics, bool IsCurrent)
{
    public TrainingTask Task { get; init; } = TrainingTask.Regression;

    public ClassificationMetricsSummary? ClassificationMetrics { get; init; }
}

/// <summary>One model name with its stored versions (ascending) and the current one, if any was promoted.</summary>
public sealed record ModelCatalogEntry(string Name, int? CurrentVersion, IReadOnlyList<ModelVersionEntry> Versions);

/// <summary>
/// Reads what a model store holds, without loading any model: the command line's <c>models list</c> runs it straight
/// on <c>training.models_dir</c>, so it needs neither the service nor a broker.
/// </summary>
public static class ModelCatalog
{
    public static async Task<IReadOnlyList<ModelCatalogEntry>> ListAsync(ModelStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var entries = new List<ModelCatalogEntry>();
        foreach (var name in store.ListModels())
        {
            var current = await store.GetCurrentAsync(name, cancellationToken).ConfigureAwait(false);
            var versions = new List<ModelVersionEntry>();
            foreach (var version in store.ListVersions(name))
            {
                // A version being retired between the listing and this read is skipped, not an error.
                if (await store.GetMetadataAsync(name, version, cancellationToken).ConfigureAwait(false) is { } metadata)
                {
                    versions.Add(new ModelVersionEntry(version, metadata.SavedAt, metadata.Training.DatasetId,
                        metadata.Training.TrainerName(), metadata.Training.Metrics, version == current?.Version)
                    {
                        Task = metadata.Training.Task,
                        ClassificationMetrics = metadata.Training.ClassificationMetrics,
                    });
                }
            }

            entries.Add(new ModelCatalogEntry(name, current?.Version, versions));
        }

        return entries;
    }
}
