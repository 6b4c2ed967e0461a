using System.Runtime;

namespace MlPipeline.Benchmarks.Common;

/// <summary>
/// The runtime's own cumulative counters for the whole process: bytes allocated, collections per generation, time
/// the GC paused the program, methods the JIT compiled and its time. The difference of two snapshots says where CPU
/// went that a perf profile cannot name (libcoreclr ships without symbols) and, unlike wall-clock figures, hardly
/// depends on the machine's load.
/// </summary>
public readonly record struct RuntimeCounters(
    long AllocatedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    TimeSpan GcPause,
    long JitCompiledMethods,
    TimeSpan JitTime)
{
    public static RuntimeCounters Capture() => new(
        GC.GetTotalAllocatedBytes(precise: false),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        JitInfo.GetCompiledMethodCount(currentThread: false),
        JitInfo.GetCompilationTime(currentThread: false));

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
    public RuntimeCounters Since(RuntimeCounters earlier) => new(
        AllocatedBytes - earlier.AllocatedBytes,
        Gen0Collections - earlier.Gen0Collections,
        Gen1Collections - earlier.Gen1Collections,
        Gen2Collections - earlier.Gen2Collections,
        GcPause - earlier.GcPause,
        JitCompiledMethods - earlier.JitCompiledMethods,
        JitTime - earlier.JitTime);
}
