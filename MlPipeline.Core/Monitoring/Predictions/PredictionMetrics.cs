using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MlPipeline.Core.Monitoring;

/// <summary>Serving's prediction volume and latency: a meter counter and histogram per model, and <see cref="PredictionStatistics"/>.</summary>
public sealed class PredictionMetrics : IPredictionObserver
{
    private readonly PredictionStatistics statistics;
    private readonly Counter<long> predictions;
    private readonly Histogram<double> latency;

    public PredictionMetrics(PipelineMeter meter, PredictionStatistics statistics)
    {
        this.statistics = statistics;
        predictions = meter.Meter.CreateCounter<long>("predictions", description: "Predictions answered, per model and outcome (ok or error).");
        latency = meter.Meter.CreateHistogram<double>(
            "prediction_latency_seconds", unit: "s", description: "From the request to its result, per model.");
    }

    public void OnPrediction(PredictionObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var succeeded = observation.Error is null;
        // The same bounded label for the meter as for the statistics: every label value is a Prometheus series forever.
        var model = statistics.Label(observation.ModelName);
        predictions.Add(1, new TagList { { "model", model }, { "outcome", succeeded ? "ok" : "error" } });
        latency.Record(observation.Latency.TotalSeconds, new KeyValuePair<string, object?>("model", model));
        statistics.Record(model, succeeded, observation.Latency);
    }
}
