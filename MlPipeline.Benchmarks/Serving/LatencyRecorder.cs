using System.Collections.Concurrent;
using System.Diagnostics;

namespace MlPipeline.Benchmarks.Serving;

/// <summary>Send times by request id and the latencies measured when their answers arrive. Thread-safe.</summary>
internal sealed class LatencyRecorder
{
    private readonly ConcurrentDictionary<string, long> sentAt = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<double> latenciesMs = [];
    private int received;

    public int Received => Volatile.Read(ref received);

    public long LastArrival { get; private set; }

    public void Sent(string id) => sentAt[id] = Stopwatch.GetTimestamp();

    public void Arrived(string id)
    {
        if (!sentAt.TryRemove(id, out var start))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        latenciesMs.Add(Stopwatch.GetElapsedTime(start, now).TotalMilliseconds);
        LastArrival = now;
        Interlocked.Increment(ref received);
    }

    public void Record(TimeSpan latency)
    {
        latenciesMs.Add(latency.TotalMilliseconds);
        Interlocked.Increment(ref received);
    }

    public (double P50, double P99, double Max) Percentiles()
    {
        var sorted = latenciesMs.Order().ToArray();
        if (sorted.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        return (At(0.50), At(0.99), sorted[^1]);
    }
}
