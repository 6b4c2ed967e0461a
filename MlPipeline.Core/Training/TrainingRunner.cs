using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>Where a training run announces what happened (MODEL_TRAINING) and its metrics (MODEL_EVALUATION).</summary>
public interface ITrainingAnnouncer
{
    Task AnnounceAsync(ModelTrainingEvent trainingEvent, CancellationToken cancellationToken);

    Task PublishEvaluationAsync(ModelMetadata metadata, CancellationToken cancellationToken);
}

/// <summary>
/// One training run: read the stored rows, train and evaluate (<see cref="ModelTrainer"/>), store a new version
/// (<see cref="ModelStore"/>), decide promotion (<see cref="PromotionPolicy"/>) and announce each step. A run on
/// "all data" of a model uses every stored dataset whose schema equals that of the model's newest dataset: rows
/// of different schemas describe different problems and cannot share one model.
/// </summary>
public sealed class TrainingRunner(
    TrainingDataStore data,
    TrainingJobStore jobs,
    ModelTrainer trainer,
    ModelStore models,
    PromotionPolicy promotion,
    Func<DatasetSchema, DataProcessingOptions> processingFor,
    ITrainingAnnouncer announcer,
    ILogger<TrainingRunner> logger)
{
    /// <summary>Runs <paramref name="request"/>; failures are announced (not thrown) except cancellation. Returns the stored version, if any.</summary>
    public async Task<ModelMetadata?> RunAsync(TrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await announcer.AnnounceAsync(Event(ModelTrainingEventKind.Started, request), cancellationToken).ConfigureAwait(false);
        try
        {
            var datasets = DatasetsFor(request);
            var schema = datasets.Count > 0 ? data.GetSchema(datasets[^1]) : null;
            if (schema is null)
            {
                throw new InvalidOperationException(request.DatasetId is null
                    ? $"No stored data for model '{request.Model}'."
                    : $"Dataset '{request.DatasetId}' has no stored rows.");
            }

            var rows = new List<ProcessedRow>();
            foreach (var datasetId in datasets)
            {
                await foreach (var row in data.ReadRowsAsync(datasetId, cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(row);
                }
            }

            var trained = await trainer.TrainAsync(
                request.DatasetId ?? "all", schema, processingFor(schema), rows, schema.Task ?? TrainingTask.Auto, null, cancellationToken).ConfigureAwait(false);
            var previous = await models.GetCurrentMetadataAsync(request.Model, cancellationToken).ConfigureAwait(false);
            var stored = await models.SaveNewVersionAsync(request.Model, trained, cancellationToken).ConfigureAwait(false);
            var decision = promotion.Decide(stored, previous);
            await announcer.AnnounceAsync(
                Event(ModelTrainingEventKind.Completed, request, stored, previous, decision.FeatureSetChanged, decision.Reason),
                cancellationToken).ConfigureAwait(false);
            await announcer.PublishEvaluationAsync(stored, cancellationToken).ConfigureAwait(false);
            if (decision.Promote)
            {
                await models.PromoteAsync(request.Model, stored.Version, cancellationToken).ConfigureAwait(false);
                await announcer.AnnounceAsync(
                    Event(ModelTrainingEventKind.Promoted, request, stored, previous, decision.FeatureSetChanged, decision.Reason),
                    cancellationToken).ConfigureAwait(false);
            }

            logger.LogInformation(
                "Model {Model} v{Version} ({Task}, {Trainer}) trained on {Rows} rows: holdout {Metric} {Value:F4}; {Decision}",
                request.Model, stored.Version, stored.Training.Task, stored.Training.TrainerName(), rows.Count,
                stored.Training.Task == TrainingTask.Regression ? "R²" : "accuracy", stored.Training.PrimaryMetric, decision.Reason);
            return stored;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Training model {Model} on {Dataset} failed", request.Model, request.DatasetId ?? "all data");
            await announcer.AnnounceAsync(Event(ModelTrainingEventKind.Failed, request, reason: exception.Message), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private List<string> DatasetsFor(TrainingRequest request)
    {
        if (request.DatasetId is { } datasetId)
        {
            return data.ListDatasets().Contains(datasetId, StringComparer.Ordinal) ? [datasetId] : [];
        }

        var all = data.ListDatasets();
        var ofModel = all.Where(id => jobs.ModelOf(id) == request.Model).ToList();
        var candidates = ofModel.Count > 0 ? ofModel : all.ToList();
        var reference = candidates.Select(data.GetSchema).LastOrDefault(schema => schema is not null);
        if (reference is null)
        {
            return [];
        }

        return candidates.Where(id => data.GetSchema(id) is { } schema && SameSchema(schema, reference)).ToList();
    }

    private static bool SameSchema(DatasetSchema a, DatasetSchema b) =>
        a.LabelColumn == b.LabelColumn && a.GetFeatureLayout().SameAs(b.GetFeatureLayout());

    private static ModelTrainingEvent Event(
        ModelTrainingEventKind kind,
        TrainingRequest request,
        ModelMetadata? stored = null,
        ModelMetadata? previous = null,
        bool featureSetChanged = false,
        string? reason = null) =>
        new(kind, request.Model, stored?.Version, request.DatasetId, stored?.Training.Metrics, previous?.Version,
            previous?.Training.Metrics, featureSetChanged, reason)
        {
            Task = stored?.Training.Task ?? TrainingTask.Regression,
            ClassificationMetrics = stored?.Training.ClassificationMetrics,
        };
}
