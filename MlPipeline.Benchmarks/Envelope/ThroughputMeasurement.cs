using System.Diagnostics;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>Operations per second and managed bytes allocated per operation of one single-threaded loop.</summary>
public readonly record struct ThroughputMeasurement(long Operations, double PerSecond, double AllocatedBytesPerOperation)
{
    // Checking the clock every operation would cost more than a small decode; 16 keeps the overshoot below a millisecond.
    private const int OperationsPerClockCheck = 16;

    /// <summary>Runs <paramref name="operation"/> on this thread until <paramref name="duration"/> has passed.</summary>
    public static ThroughputMeasurement Run(Action operation, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Allocations are counted per thread, so the loop must stay on this one (no awaits inside).
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long operations = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < OperationsPerClockCheck; i++)
            {
                operation();
            }

            operations += OperationsPerClockCheck;
        }

        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new ThroughputMeasurement(operations, operations / clock.Elapsed.TotalSeconds, (double)allocated / operations);
    }
}
