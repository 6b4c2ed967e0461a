using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

[JsonConverter(typeof(JsonStringEnumConverter<PromotionMode>))]
public enum PromotionMode
{
    /// <summary>Promote when the holdout metric is not worse than the current model's by more than the margin.</summary>
    CompareMetric,

    /// <summary>Promote every new version.</summary>
    Always,
}

[JsonConverter(typeof(JsonStringEnumConverter<PromotionMetric>))]
public enum PromotionMetric
{
    /// <summary>Higher is better.</summary>
    RSquared,

    /// <summary>Lower is better.</summary>
    RootMeanSquaredError,

    /// <summary>Lower is better.</summary>
    MeanAbsoluteError,
}

/// <summary>When a new model version replaces the current one. Maps to the <c>promotion</c> config section.</summary>
public sealed record PromotionOptions
{
    /// <value>Defaults to <see cref="PromotionMode.CompareMetric"/>.</value>
    public PromotionMode Mode { get; init; } = PromotionMode.CompareMetric;

    /// <value>Defaults to <see cref="PromotionMetric.RSquared"/>.</value>
    public PromotionMetric Metric { get; init; } = PromotionMetric.RSquared;

    /// <summary>How much worse (absolute, in the metric's units) a candidate may be and still be promoted.</summary>
    /// <value>Defaults to 0.01.</value>
    [Range(0, double.MaxValue)]
    public double MaxRegression { get; init; } = 0.01;
}

/// <summary>The verdict on one candidate, with a reason fit for a log line or an event.</summary>
/// <param name="FeatureSetChanged">True when candidate and current use different features (a warning: metrics were not compared).</param>
public sealed record PromotionDecision(bool Promote, string Reason, bool FeatureSetChanged);

/// <summary>Decides whether a newly trained version becomes the current one.</summary>
public sealed class PromotionPolicy(PromotionOptions options)
{
    public PromotionDecision Decide(ModelMetadata candidate, ModelMetadata? current)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (current is null)
        {
            return new PromotionDecision(true, $"v{candidate.Version} promoted: no current model", false);
        }

        var featureSetChanged = !candidate.Training.FeatureLayout().SameAs(current.Training.FeatureLayout());
        if (options.Mode == PromotionMode.Always)
        {
            return new PromotionDecision(true, $"v{candidate.Version} promoted: promotion mode is always", featureSetChanged);
        }

        if (featureSetChanged)
        {
            // Metrics of models over different features describe different problems; comparing them would mislead.
            return new PromotionDecision(
                true, $"v{candidate.Version} promoted with warning: feature set differs from current v{current.Version}, metrics not compared", true);
        }

        if (candidate.Training.Task != current.Training.Task)
        {
            // A classifier's accuracy and a regressor's R² are not comparable; the newer task is what was asked for.
            return new PromotionDecision(
                true, $"v{candidate.Version} promoted with warning: task {candidate.Training.Task} differs from current v{current.Version}'s {current.Training.Task}, metrics not compared", false);
        }

        // Classification compares its primary metric, accuracy; promotion_metric chooses among the regression ones.
        var classification = candidate.Training.Task != TrainingTask.Regression;
        var candidateValue = classification ? candidate.Training.PrimaryMetric : MetricOf(candidate);
        var currentValue = classification ? current.Training.PrimaryMetric : MetricOf(current);
        var metricName = classification ? "Accuracy" : options.Metric.ToString();
        if (double.IsNaN(candidateValue))
        {
            return new PromotionDecision(false, $"v{candidate.Version} kept back: its {metricName} is not a number", false);
        }

        var higherIsBetter = classification || options.Metric == PromotionMetric.RSquared;
        var regression = higherIsBetter ? currentValue - candidateValue : candidateValue - currentValue;
        var comparison = $"{metricName} {candidateValue:G4} vs current v{current.Version} {currentValue:G4}, allowed regression {options.MaxRegression:G4}";
        return double.IsNaN(currentValue) || regression <= options.MaxRegression
            ? new PromotionDecision(true, $"v{candidate.Version} promoted: {comparison}", false)
            : new PromotionDecision(false, $"v{candidate.Version} kept back: {comparison}", false);
    }

    private double MetricOf(ModelMetadata metadata) => options.Metric switch
    {
        _ when metadata.Training.Metrics is null => double.NaN,
        PromotionMetric.RSquared => metadata.Training.Metrics.RSquared,
        PromotionMetric.RootMeanSquaredError => metadata.Training.Metrics.RootMeanSquaredError,
        PromotionMetric.MeanAbsoluteError => metadata.Training.Metrics.MeanAbsoluteError,
        _ => throw new InvalidOperationException($"Unknown promotion metric {options.Metric}."),
    };
}
