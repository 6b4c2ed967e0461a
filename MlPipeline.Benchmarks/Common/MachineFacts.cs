using System.Runtime.InteropServices;

namespace MlPipeline.Benchmarks.Common;

/// <summary>What a result depends on besides the code: printed with every run so figures can be compared.</summary>
public sealed record MachineFacts(
    int LogicalCores, string CpuModel, string Os, string Runtime, string? LibrdkafkaVersion, string? LoadAverage, bool ServerGc)
{
    /// <param name="librdkafkaVersion">The native client's version, for benchmarks that use it; null otherwise.</param>
    public static MachineFacts Collect(string? librdkafkaVersion) => new(
        Environment.ProcessorCount,
        ReadCpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        librdkafkaVersion,
        ReadLoadAverage(),
        System.Runtime.GCSettings.IsServerGC);

    public void Print(TextWriter output)
    {
        output.WriteLine($"machine:   {LogicalCores} logical cores, {CpuModel}");
        output.WriteLine($"os:        {Os}");
        output.WriteLine($"runtime:   {Runtime} ({(ServerGc ? "server" : "workstation")} GC)");
        if (LibrdkafkaVersion is not null) output.WriteLine($"librdkafka: {LibrdkafkaVersion}");
        // The load before the run tells a reader whether other work was competing for the cores.
        if (LoadAverage is not null) output.WriteLine($"load avg:  {LoadAverage} (1/5/15 min, before the run)");
    }

    private static string? ReadCpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return null;
        foreach (var line in File.ReadLines(CpuInfo))
        {
            if (!line.StartsWith("model name", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            if (colon >= 0) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string? ReadLoadAverage()
    {
        const string LoadAvg = "/proc/loadavg";
        if (!File.Exists(LoadAvg)) return null;
        var parts = File.ReadAllText(LoadAvg).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 ? string.Join(' ', parts[..3]) : null;
    }
}
