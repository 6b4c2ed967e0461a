using System.Collections.Concurrent;

namespace MlPipeline.Core.Monitoring;

/// <summary>Prediction volume and latency of one model, as shown by status and the dashboard.</summary>
/// <param name="LatencyMeanMs">Mean over the last <see cref="PredictionStatistics.LatencySamples"/> predictions.</param>
/// <param name="LatencyP95Ms">95th percentile over the same predictions.</param>
public sealed record PredictionSnapshot(
    string Model,
    long Total,
    long Errors,
    double PerSecond,
    double LatencyMeanMs,
    double LatencyP95Ms,
    IReadOnlyList<long> Series);

/// <summary>Counts predictions per model in rolling buckets and keeps the latest latencies for mean and p95. Thread-safe.</summary>
public sealed class PredictionStatistics(TimeProvider timeProvider, TimeSpan bucketWidth)
{
    public const int LatencySamples = 1000;

    /// <summary>Models with figures of their own; any further name counts under <see cref="PredictionObservation.UnknownModel"/>.
    /// Observers only pass served names, so this is a second line of defence against unbounded state.</summary>
    public const int MaxModels = 1000;

    // Requests per second are averaged over this many complete buckets.
    private const int RateBuckets = 6;

    private readonly ConcurrentDictionary<string, ModelCounters> models = new(StringComparer.Ordinal);

    /// <summary>The label <paramref name="model"/> is counted under: itself while fewer than <see cref="MaxModels"/>
    /// names are tracked (or it already is), else <see cref="PredictionObservation.UnknownModel"/>.</summary>
    public string Label(string model) =>
        models.ContainsKey(model) || models.Count < MaxModels - 1 ? model : PredictionObservation.UnknownModel;

    public void Record(string model, bool succeeded, TimeSpan latency)
    {
        // Checked and added in two steps: racing first requests may overshoot the cap by the number of threads, no more.
        var counters = models.GetOrAdd(Label(model), _ => new ModelCounters());
        counters.Requests.Add(CurrentBucket(), 1);
        if (!succeeded)
        {
            counters.Errors.Add(CurrentBucket(), 1);
        }

        lock (counters.Latencies)
        {
            counters.Latencies[counters.NextLatency % LatencySamples] = latency.TotalMilliseconds;
            counters.NextLatency++;
        }
    }

    public IReadOnlyList<PredictionSnapshot> Snapshot()
    {
        var now = CurrentBucket();
        return models
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair =>
            {
                double[] latencies;
                lock (pair.Value.Latencies)
                {
                    latencies = pair.Value.Latencies.Take((int)Math.Min(pair.Value.NextLatency, LatencySamples)).Order().ToArray();
                }

                var recent = pair.Value.Requests.Sum(now - RateBuckets, now - 1);
                return new PredictionSnapshot(
                    pair.Key,
                    pair.Value.Requests.Total,
                    pair.Value.Errors.Total,
                    Math.Round(recent / (RateBuckets * bucketWidth.TotalSeconds), 3),
                    latencies.Length == 0 ? 0 : Math.Round(latencies.Average(), 3),
                    latencies.Length == 0 ? 0 : Math.Round(latencies[(int)Math.Ceiling(0.95 * latencies.Length) - 1], 3),
                    pair.Value.Requests.Series(now, MessageFlowStatistics.SeriesPoints));
            })
            .ToArray();
    }

    private long CurrentBucket() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / (long)bucketWidth.TotalMilliseconds;

    private sealed class ModelCounters
    {
        public RollingCounter Requests { get; } = new(MessageFlowStatistics.SeriesPoints);

        public RollingCounter Errors { get; } = new(MessageFlowStatistics.SeriesPoints);

        public double[] Latencies { get; } = new double[LatencySamples];

        public long NextLatency { get; set; }
    }
}
