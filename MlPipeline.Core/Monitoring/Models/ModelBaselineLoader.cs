using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Gives drift monitoring the training statistics of each model's current version, read from the model store's
/// metadata: once at start for every stored model, then on every promotion. Without a model store (a host that neither
/// trains nor serves) there is nothing to compare against and this does nothing.
/// </summary>
public sealed class ModelBaselineLoader(FeatureDriftMonitor drift, ModelStatusTracker models, ModelStore? store, TimeProvider timeProvider, ILogger<ModelBaselineLoader> logger)
{
    public async Task LoadCurrentAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        foreach (var name in store.ListModels())
        {
            ModelMetadata? metadata;
            try
            {
                metadata = await store.GetCurrentMetadataAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One unreadable model must not stop monitoring of the rest; its next promotion sets its baseline.
                logger.LogWarning(exception, "Could not read the current metadata of model {Model}; drift is not measured for it yet", name);
                continue;
            }

            if (metadata is null)
            {
                continue;
            }

            drift.SetBaseline(name, metadata.Version, metadata.Training);
            models.Apply(
                new ModelTrainingEvent(
                    ModelTrainingEventKind.Promoted, name, metadata.Version, metadata.Training.DatasetId, metadata.Training.Metrics,
                    PreviousVersion: null, PreviousMetrics: null, FeatureSetChanged: false, Reason: "current version at start"),
                timeProvider.GetUtcNow());
        }
    }

    public async Task OnPromotedAsync(string model, int version, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        var metadata = await store.GetMetadataAsync(model, version, cancellationToken).ConfigureAwait(false);
        if (metadata is null)
        {
            logger.LogWarning("Model {Model} v{Version} was promoted but has no metadata; drift is not measured for it", model, version);
            return;
        }

        drift.SetBaseline(model, version, metadata.Training);
    }
}
