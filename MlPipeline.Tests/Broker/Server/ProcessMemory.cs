using System.Globalization;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Resident memory of a child process from /proc (Linux), for bounds on the stand-alone broker.</summary>
internal static class ProcessMemory
{
    /// <summary>A "Vm…:" field of /proc/&lt;pid&gt;/status in kB (VmRSS: now, VmHWM: peak).</summary>
    public static long ReadKilobytes(int processId, string field)
    {
        string line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux 4.0+), so startup peaks don't count.</summary>
    public static bool TryResetPeak(int processId)
    {
        try
        {
            File.WriteAllText($"/proc/{processId}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
