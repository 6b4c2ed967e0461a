using System.Diagnostics;

namespace MlPipeline.Benchmarks.Common;

/// <summary>This process's resident memory: now, and the peak since the last <see cref="TryResetPeak"/>.</summary>
public static class ProcessMemory
{
    private const string ClearRefs = "/proc/self/clear_refs";

    /// <summary>
    /// Resets the kernel's high-water mark (VmHWM, which <see cref="Process.PeakWorkingSet64"/> reads on Linux) so a
    /// second run in the same process reports its own peak, not the first run's. Linux only; false elsewhere.
    /// </summary>
    public static bool TryResetPeak()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(ClearRefs)) return false;
        try
        {
            // "5" = reset the peak RSS counter (proc(5), /proc/pid/clear_refs).
            File.WriteAllText(ClearRefs, "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    public static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    public static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024):N0}";
}
