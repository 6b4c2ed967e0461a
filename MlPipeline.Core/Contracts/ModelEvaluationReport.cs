using System.Text.Json.Serialization;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The <c>data</c> of a MODEL_EVALUATION envelope: the holdout evaluation of one stored version (key = model name).
/// </summary>
/// <param name="DatasetId">The dataset trained on; written as null (not left out) when trained on all stored data.</param>
/// <param name="Trainer">The trainer's name as configured (e.g. <c>FastTree</c>).</param>
public sealed record ModelEvaluationReport(
    string Model,
    int Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DatasetId,
    string Trainer,
    RegressionMetricsSummary Metrics,
    int TrainRowCount,
    int HoldoutRowCount);
