using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>When training ran (UTC) and how long each phase took.</summary>
/// <param name="FitDuration">The final fit on the whole training split.</param>
/// <param name="EvaluationDuration">Holdout metrics and permutation feature importance.</param>
public sealed record TrainingTimings(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    TimeSpan FitDuration,
    TimeSpan EvaluationDuration)
{
    /// <summary>Model selection's cross-validation (zero for an explicit trainer).</summary>
    public TimeSpan SelectionDuration { get; init; }
}

/// <summary>
/// Everything known about one training run: what was trained on, how, and how well. The feature
/// lists are the model's exact input order; serving and drift monitoring rely on them.
/// </summary>
public sealed record TrainingReport
{
    public required string DatasetId { get; init; }

    public required ModelTrainingOptions TrainingOptions { get; init; }

    /// <summary>The processing options the rows were built with; serving engineers features with the same.</summary>
    public required DataProcessingOptions Processing { get; init; }

    public required DatasetSchema Schema { get; init; }

    public required IReadOnlyList<string> NumericFeatures { get; init; }

    public required IReadOnlyList<string> CategoricalFeatures { get; init; }

    public required IReadOnlyDictionary<string, NumericFeatureStatistics> NumericStatistics { get; init; }

    public required IReadOnlyDictionary<string, CategoricalFeatureStatistics> CategoricalStatistics { get; init; }

    public required int TrainRowCount { get; init; }

    public required int HoldoutRowCount { get; init; }

    /// <summary>What the model predicts (never <see cref="TrainingTask.Auto"/>). Metadata older than classification reads as regression.</summary>
    public TrainingTask Task { get; init; } = TrainingTask.Regression;

    /// <summary>Why the task is what it is (inferred from the label, or requested).</summary>
    public string? TaskReason { get; init; }

    /// <summary>Classification: the classes as they appear in the data, in the order of the model's probabilities.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Regression holdout metrics; null for a classifier (see <see cref="ClassificationMetrics"/>).</summary>
    public RegressionMetricsSummary? Metrics { get; init; }

    /// <summary>Classification holdout metrics; null for regression.</summary>
    public ClassificationMetricsSummary? ClassificationMetrics { get; init; }

    /// <summary>The trainer and hyper-parameters of the model: the selection's winner, or the configured trainer.</summary>
    public TrainerCandidate? Trainer { get; init; }

    /// <summary>Model selection (trainer auto): every candidate's cross-validation score and the winner; null otherwise.</summary>
    public ModelSelectionReport? Selection { get; init; }

    /// <summary>Permutation feature importance on the holdout, most important first, in the primary metric's units.</summary>
    public IReadOnlyList<FeatureImportance>? FeatureImportance { get; init; }

    public required TrainingTimings Timings { get; init; }

    /// <summary>
    /// The holdout value of the task's primary metric, higher is better: R² for regression, accuracy for classification.
    /// </summary>
    public double PrimaryMetric => Task == TrainingTask.Regression
        ? Metrics?.RSquared ?? double.NaN
        : ClassificationMetrics?.Accuracy ?? double.NaN;

    public FeatureLayout FeatureLayout() => new(NumericFeatures, CategoricalFeatures);

    /// <summary>The trainer that made the model, e.g. <c>lightgbm(trees=200, …)</c>; the configured one for metadata older than selection.</summary>
    public string TrainerName() => Trainer?.Name ?? TrainingOptions.Trainer.ToString();
}

/// <summary>The <c>metadata.json</c> stored beside each model version.</summary>
public sealed record ModelMetadata(string Name, int Version, DateTimeOffset SavedAt, TrainingReport Training);
