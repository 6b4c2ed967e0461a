namespace MlPipeline.Benchmarks.Common;

/// <summary>Percentiles of a set of latency samples, in milliseconds.</summary>
public readonly record struct LatencySummary(int Samples, double P50Ms, double P99Ms, double MaxMs)
{
    /// <summary>Nearest-rank percentiles over the samples (sorted in place).</summary>
    public static LatencySummary FromTicks(long[] stopwatchTicks, int count)
    {
        if (count == 0) return new LatencySummary(0, double.NaN, double.NaN, double.NaN);
        var span = stopwatchTicks.AsSpan(0, count);
        span.Sort();
        return new LatencySummary(count, ToMs(span[Rank(count, 0.50)]), ToMs(span[Rank(count, 0.99)]), ToMs(span[count - 1]));
    }

    private static int Rank(int count, double percentile) => Math.Clamp((int)Math.Ceiling(percentile * count) - 1, 0, count - 1);

    private static double ToMs(long ticks) => ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
}
