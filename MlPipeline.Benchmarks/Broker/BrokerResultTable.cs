using MlPipeline.Benchmarks.Common;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>One storage variant × message size: what the three runs measured.</summary>
public sealed record BrokerResultRow(
    BrokerStorageVariant Variant, int Size, int Messages, ThroughputResult Produce, ThroughputResult Consume, LatencySummary? Latency);

/// <summary>Prints results as a Markdown table, one row as soon as it is measured, so it pastes into docs/benchmarks.md.</summary>
public sealed class BrokerResultTable(TextWriter output)
{
    public void PrintHeader()
    {
        output.WriteLine("| storage | size (B) | messages | produce msg/s | produce MiB/s | consume msg/s | consume MiB/s | latency p50 ms | p99 ms | max ms |");
        output.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    }

    public void PrintRow(BrokerResultRow row)
    {
        string latency = row.Latency is { } l ? $"{l.P50Ms:0.00} | {l.P99Ms:0.00} | {l.MaxMs:0.00}" : "– | – | –";
        output.WriteLine(
            $"| {row.Variant.ToString().ToLowerInvariant()} | {row.Size} | {row.Messages:N0} " +
            $"| {row.Produce.MessagesPerSecond:N0} | {row.Produce.MebibytesPerSecond:N1} " +
            $"| {row.Consume.MessagesPerSecond:N0} | {row.Consume.MebibytesPerSecond:N1} | {latency} |");
        output.Flush();
    }
}
