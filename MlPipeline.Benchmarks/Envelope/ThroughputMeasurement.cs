using System.Diagnostics;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>
/// Operations per wall-clock second and per CPU-second of the process (which hardly depends on what else the machine
/// runs: on a shared box it is the figure to compare), and managed bytes allocated per operation, of one single-threaded loop.
/// </summary>
public readonly record struct ThroughputMeasurement(long Operations, double PerSecond, double PerCpuSecond, double AllocatedBytesPerOperation)
{
    // Checking the clock every operation would cost more than a small decode; 16 keeps the overshoot below a millisecond.
    private const int OperationsPerClockCheck = 16;

    /// <summary>Runs <paramref name="operation"/> on this thread until <paramref name="duration"/> has passed.</summary>
    public static ThroughputMeasurement Run(Action operation, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Allocations are counted per thread, so the loop must stay on this one (no awaits inside).
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long operations = 0;
        var cpuBefore = CpuTime();
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
        // Process-wide, so it includes the collections this loop's garbage causes (done on other threads when concurrent).
        var cpu = CpuTime() - cpuBefore;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return new ThroughputMeasurement(
            operations, operations / clock.Elapsed.TotalSeconds, operations / cpu.TotalSeconds, (double)allocated / operations);
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
