using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>When training ran (UTC) and how long each phase took.</summary>
public sealed record TrainingTimings(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    TimeSpan FitDuration,
    TimeSpan EvaluationDuration);

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

    public required RegressionMetricsSummary Metrics { get; init; }

    public required TrainingTimings Timings { get; init; }

    public FeatureLayout FeatureLayout() => new(NumericFeatures, CategoricalFeatures);
}

/// <summary>The <c>metadata.json</c> stored beside each model version.</summary>
public sealed record ModelMetadata(string Name, int Version, DateTimeOffset SavedAt, TrainingReport Training);
