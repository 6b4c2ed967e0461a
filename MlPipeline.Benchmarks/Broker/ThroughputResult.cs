namespace MlPipeline.Benchmarks.Broker;

/// <summary>Messages and value bytes moved in a measured interval.</summary>
public readonly record struct ThroughputResult(long Messages, long ValueBytes, TimeSpan Elapsed)
{
    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;

    /// <summary>Value bytes only (keys are null; record and batch framing not counted), in MiB/s.</summary>
    public double MebibytesPerSecond => ValueBytes / (1024.0 * 1024.0) / Elapsed.TotalSeconds;
}
