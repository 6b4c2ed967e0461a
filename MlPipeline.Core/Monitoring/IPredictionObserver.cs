namespace MlPipeline.Core.Monitoring;

/// <summary>One scored (or refused) prediction request, as serving saw it.</summary>
/// <param name="ModelName">The model asked for when serving knows it, else <see cref="UnknownModel"/>: callers choose
/// the names they send, and per-model figures must not grow with them.</param>
/// <param name="ModelVersion">The version that answered; null when no model could answer.</param>
/// <param name="Features">The request's input columns by name, as interpreted (raw values: numbers, categories, dates).</param>
/// <param name="Prediction">The predicted value; null on error.</param>
/// <param name="Error">Why the request could not be scored; null on success.</param>
/// <param name="Latency">From the request's timestamp (or receipt) to the result being produced.</param>
public sealed record PredictionObservation(
    string ModelName,
    int? ModelVersion,
    IReadOnlyDictionary<string, object?> Features,
    double? Prediction,
    string? Error,
    TimeSpan Latency)
{
    /// <summary>The one label every request naming a model serving does not know is counted under.</summary>
    public const string UnknownModel = "unknown";
}

/// <summary>
/// Told about every prediction serving answers. Monitoring registers observers (prediction metrics, drift); serving
/// calls every registered <see cref="IPredictionObserver"/> and knows nothing else about monitoring.
/// Implementations must be fast and thread-safe: they run on serving's hot path.
/// </summary>
public interface IPredictionObserver
{
    void OnPrediction(PredictionObservation observation);
}
