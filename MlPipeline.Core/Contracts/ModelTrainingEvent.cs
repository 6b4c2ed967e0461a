using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Contracts;

/// <summary>What happened to a model, as announced on the <c>model_training</c> topic.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelTrainingEventKind>))]
public enum ModelTrainingEventKind
{
    /// <summary>Training of a dataset began.</summary>
    [JsonStringEnumMemberName("started")] Started,
    /// <summary>A new version was trained, evaluated and stored (promoted or not).</summary>
    [JsonStringEnumMemberName("completed")] Completed,
    /// <summary>Training failed; <see cref="ModelTrainingEvent.Reason"/> says why.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>A version became the current one for its model name: serving switches to it.</summary>
    [JsonStringEnumMemberName("promoted")] Promoted,
}

/// <summary>
/// The <c>data</c> of a MODEL_TRAINING envelope — the contract between training (producer), serving (hot swap on
/// <see cref="ModelTrainingEventKind.Promoted"/>) and monitoring (alerts on failures and regressions).
/// The message key is the model name, so one model's events stay in order.
/// </summary>
/// <param name="Event">What happened.</param>
/// <param name="Model">The model name (versions and "current" are per name).</param>
/// <param name="Version">The version concerned; null for <see cref="ModelTrainingEventKind.Started"/> and for failures before a version existed.</param>
/// <param name="DatasetId">The dataset trained on, or null when trained on all stored data.</param>
/// <param name="Metrics">Holdout metrics of a regression <paramref name="Version"/> (completed and promoted).</param>
/// <param name="PreviousVersion">For promoted: the version that was current before, if any.</param>
/// <param name="PreviousMetrics">For completed/promoted: the metrics of the version that was current before, if any.</param>
/// <param name="FeatureSetChanged">True when the version's features differ from the previous current's (promoted without comparison).</param>
/// <param name="Reason">Why: the failure, or the promotion decision.</param>
public sealed record ModelTrainingEvent(
    ModelTrainingEventKind Event,
    string Model,
    int? Version,
    string? DatasetId,
    RegressionMetricsSummary? Metrics,
    int? PreviousVersion,
    RegressionMetricsSummary? PreviousMetrics,
    bool FeatureSetChanged,
    string? Reason)
{
    /// <summary>What <see cref="Version"/> predicts; regression for events older than classification.</summary>
    public TrainingTask Task { get; init; } = TrainingTask.Regression;

    /// <summary>Holdout metrics of a classifier <see cref="Version"/> (then <see cref="Metrics"/> is null).</summary>
    public ClassificationMetricsSummary? ClassificationMetrics { get; init; }
}

/// <summary>Holdout metrics of a regression model.</summary>
public sealed record RegressionMetricsSummary(double RSquared, double RootMeanSquaredError, double MeanAbsoluteError);

/// <summary>Holdout metrics of a classification model.</summary>
/// <param name="Accuracy">Share of rows whose most probable class is the true one.</param>
/// <param name="MacroF1">F1 per class, averaged with equal weight (a rare class counts as much as a common one).</param>
/// <param name="LogLoss">Mean negative log of the probability given to the true class (lower is better).</param>
/// <param name="AreaUnderRocCurve">Binary only: probability that a positive row scores above a negative one.</param>
public sealed record ClassificationMetricsSummary(double Accuracy, double MacroF1, double LogLoss, double? AreaUnderRocCurve);
