using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The <c>data</c> of a MODEL_EVALUATION envelope: the holdout evaluation of one stored version (key = model name).
/// </summary>
/// <param name="DatasetId">The dataset trained on; written as null (not left out) when trained on all stored data.</param>
/// <param name="Trainer">The trainer's name as configured (e.g. <c>FastTree</c>; with <c>auto</c>, the candidate chosen).</param>
/// <param name="Metrics">Regression holdout metrics; null for a classifier.</param>
/// <param name="ClassificationMetrics">A classifier's holdout metrics; null for regression.</param>
public sealed record ModelEvaluationReport(
    string Model,
    int Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DatasetId,
    string Trainer,
    TrainingTask Task,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RegressionMetricsSummary? Metrics,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ClassificationMetricsSummary? ClassificationMetrics,
    int TrainRowCount,
    int HoldoutRowCount);
