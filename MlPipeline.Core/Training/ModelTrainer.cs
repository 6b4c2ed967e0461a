using Microsoft.ML;
using Microsoft.ML.Data;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>A fitted model, the input schema it was saved with, and its report.</summary>
public sealed record TrainedModel(ITransformer Model, DataViewSchema InputSchema, TrainingReport Report);

/// <summary>
/// Trains an ML.NET model on processed rows: seeded train/holdout split; the task decided from the label
/// (<see cref="TaskInference"/>: regression, binary or multiclass); the trainer chosen by cross-validation on the
/// training split (<see cref="ModelSelector"/>, trainer auto) or the configured one; one fit on the whole training
/// split; then, once, the holdout: R², RMSE and MAE, or accuracy, macro F1, log-loss and AUC, and permutation feature
/// importance. CPU-bound and synchronous inside; callers on the host should use <see cref="TrainAsync"/>, which runs
/// it off the caller's thread.
/// </summary>
public sealed class ModelTrainer(ModelTrainingOptions options, TimeProvider timeProvider)
{
    /// <summary>The configured task, no progress report; cancellation stops ML.NET at its next check.</summary>
    public Task<TrainedModel> TrainAsync(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        CancellationToken cancellationToken) =>
        TrainAsync(datasetId, schema, processing, rows, TrainingTask.Auto, null, cancellationToken);

    /// <summary>
    /// Trains on a low-priority thread of its own (<see cref="LowPriorityThread"/>): serving and HTTP get the cores first.
    /// <paramref name="task"/> overrides <see cref="ModelTrainingOptions.Task"/> unless it is <see cref="TrainingTask.Auto"/>;
    /// <paramref name="progress"/> hears model selection's steps.
    /// </summary>
    public Task<TrainedModel> TrainAsync(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        TrainingTask task,
        IProgress<SelectionProgress>? progress,
        CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<TrainedModel>(cancellationToken)
            : LowPriorityThread.Run(() => Train(datasetId, schema, processing, rows, task, progress, cancellationToken), $"training-{datasetId}");

    public TrainedModel Train(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        CancellationToken cancellationToken) =>
        Train(datasetId, schema, processing, rows, TrainingTask.Auto, null, cancellationToken);

    /// <inheritdoc cref="TrainAsync(string, DatasetSchema, DataProcessingOptions, IReadOnlyList{ProcessedRow}, TrainingTask, IProgress{SelectionProgress}?, CancellationToken)"/>
    public TrainedModel Train(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        TrainingTask task,
        IProgress<SelectionProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < options.MinimumRows)
        {
            throw new InvalidOperationException($"Dataset '{datasetId}' has {rows.Count} rows; training needs at least {options.MinimumRows}.");
        }

        var layout = schema.GetFeatureLayout();
        if (layout.Numeric.Concat(layout.Categorical).Contains(schema.LabelColumn, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"The label '{schema.LabelColumn}' is among the features.");
        }

        var startedAt = timeProvider.GetUtcNow();
        var decision = new TaskInference(options).Decide(
            schema.LabelColumn, rows, task != TrainingTask.Auto ? task : options.Task);
        var (train, holdout) = Split(rows, options);
        var classes = decision.Classes;
        var mapper = new ModelInputMapper(layout, classes?.Count ?? 0);
        var trainInputs = train.Select(r => mapper.Map(r, classes)).ToList();
        var trainClasses = classes is null ? null : train.Select(classes.IndexOf).ToList();

        var selectionStarted = timeProvider.GetTimestamp();
        ModelSelectionReport? selection = null;
        var candidate = TrainerCandidate.FromOptions(options);
        if (options.Trainer == TrainerKind.Auto)
        {
            (candidate, selection) = new ModelSelector(options, timeProvider)
                .Select(mapper, layout, decision.Task, trainInputs, trainClasses, progress, cancellationToken);
        }

        var selectionDuration = timeProvider.GetElapsedTime(selectionStarted);

        var mlContext = new MLContext(options.Seed);
        var fitStarted = timeProvider.GetTimestamp();
        // MLContext's own cancellation is internal; a data source that checks the token on every row
        // read stops ML.NET at its next pass over the data instead.
        var trainView = mapper.ToDataView(mlContext, CheckingCancellation(trainInputs, cancellationToken));
        var model = ModelPipelineFactory.Build(mlContext, layout, decision.Task, candidate, options.NumberOfThreads, options.Seed).Fit(trainView);
        cancellationToken.ThrowIfCancellationRequested();
        var fitDuration = timeProvider.GetElapsedTime(fitStarted);

        var evaluationStarted = timeProvider.GetTimestamp();
        var holdoutInputs = holdout.Select(r => mapper.Map(r, classes)).ToList();
        var holdoutClasses = classes is null ? null : holdout.Select(classes.IndexOf).ToList();
        var outputs = ModelOutputs.Read(model, mapper.ToDataView(mlContext, holdoutInputs), decision.Task, mapper.ClassCount);
        var importanceRows = SampleForImportance(holdoutInputs.Count);
        var importance = PermutationFeatureImportance.Compute(
            model,
            schema,
            mapper,
            decision.Task,
            importanceRows.Select(i => holdoutInputs[i]).ToList(),
            holdoutClasses is null ? null : importanceRows.Select(i => holdoutClasses[i]).ToList(),
            options.Seed,
            cancellationToken);
        var evaluationDuration = timeProvider.GetElapsedTime(evaluationStarted);

        var report = new TrainingReport
        {
            DatasetId = datasetId,
            TrainingOptions = options,
            Processing = processing,
            Schema = schema,
            NumericFeatures = layout.Numeric,
            CategoricalFeatures = layout.Categorical,
            NumericStatistics = FeatureStatisticsCalculator.Numeric(train, layout, options.HistogramBins),
            CategoricalStatistics = FeatureStatisticsCalculator.Categorical(train, layout, options.MaxTrackedCategories),
            TrainRowCount = train.Count,
            HoldoutRowCount = holdout.Count,
            Task = decision.Task,
            TaskReason = decision.Reason,
            Classes = classes?.Names,
            Metrics = decision.Task == TrainingTask.Regression
                ? ModelMetrics.Regression(outputs.Values!, holdout.Select(r => r.Label).ToList())
                : null,
            ClassificationMetrics = decision.Task == TrainingTask.Regression
                ? null
                : ModelMetrics.Classification(outputs.Probabilities!, holdoutClasses!, mapper.ClassCount),
            Trainer = candidate,
            Selection = selection,
            FeatureImportance = importance,
            Timings = new TrainingTimings(startedAt, timeProvider.GetUtcNow(), fitDuration, evaluationDuration) { SelectionDuration = selectionDuration },
        };
        return new TrainedModel(model, trainView.Schema, report);
    }

    /// <summary>Holdout row indexes permutation importance scores: all, or a seeded sample of <see cref="ModelTrainingOptions.FeatureImportanceRows"/>.</summary>
    private int[] SampleForImportance(int count)
    {
        var indexes = Enumerable.Range(0, count).ToArray();
        if (count <= options.FeatureImportanceRows)
        {
            return indexes;
        }

        new Random(options.Seed).Shuffle(indexes);
        return indexes[..options.FeatureImportanceRows];
    }

    private static IEnumerable<ModelInput> CheckingCancellation(List<ModelInput> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }

    /// <summary>
    /// Orders rows by (dataset, row number) before a seeded shuffle, so the split depends only on
    /// which rows exist (never on their labels), not on the order Kafka happened to deliver them.
    /// </summary>
    internal static (List<ProcessedRow> Train, List<ProcessedRow> Holdout) Split(IReadOnlyList<ProcessedRow> rows, ModelTrainingOptions options)
    {
        var ordered = rows
            .OrderBy(r => r.DatasetId, StringComparer.Ordinal)
            .ThenBy(r => r.RowNumber)
            .ToArray();
        new Random(options.Seed).Shuffle(ordered);
        var holdoutCount = Math.Clamp((int)Math.Round(ordered.Length * options.HoldoutFraction), 1, ordered.Length - 1);
        return (ordered[holdoutCount..].ToList(), ordered[..holdoutCount].ToList());
    }
}
