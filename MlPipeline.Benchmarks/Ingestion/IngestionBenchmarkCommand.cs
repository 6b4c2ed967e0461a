using Confluent.Kafka;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Data.Ingestion;

namespace MlPipeline.Benchmarks.Ingestion;

/// <summary>
/// `ingest`: ingest-to-processed throughput of the real pipeline (issue 4, "Speed"). For each size a fresh host
/// is started in this process (embedded broker, every stage), a generated CSV with the sample's columns is
/// submitted through POST /api/ingest, and the run is timed until the processed-data topic holds every row; the
/// time until the training stage has stored them all is reported too. Resident memory is sampled at 10 %, 50 %
/// and 100 % of the rows so runs of different sizes show whether memory stays flat.
/// </summary>
public sealed class IngestionBenchmarkCommand : IBenchmarkCommand
{
    /// <summary>Issue 4's target through ingestion and processing together on a 2-core machine.</summary>
    private const double RowsPerSecondTarget = 100_000;
    private const int RunFailed = 1;

    public string Name => "ingest";
    public string Summary => "CSV → raw_data → processed_data through the real host: rows/s and memory (issue 4)";
    public string Usage => IngestionBenchmarkSettings.Usage;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!IngestionBenchmarkSettings.TryParse(arguments, out var settings, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var output = Console.Out;
        MachineFacts.Collect(Library.VersionString).Print(output);
        output.WriteLine($"pipeline:  shipped defaults except data.chunk_size={settings.ChunkSize}, producer.linger_ms={settings.LingerMs}, broker on a temp dir, " +
                         $"{PipelineHostUnderTest.Partitions} partitions, training.min_rows out of reach (no model fitted)");
        output.WriteLine($"warm-up:   {settings.WarmUpRows:N0} rows ingested first on each host, unmeasured; sampling every {settings.SampleInterval.TotalMilliseconds:0} ms");
        output.WriteLine();

        var results = new List<IngestionRunResult>();
        try
        {
            foreach (int rows in settings.Rows)
            {
                await using var host = await PipelineHostUnderTest.StartAsync(settings, cancellationToken);
                var run = new IngestionRun(host, settings);
                await run.WarmUpAsync(settings.WarmUpRows, cancellationToken);
                var result = await run.MeasureAsync(rows, cancellationToken);
                results.Add(result);
                output.WriteLine($"run {rows:N0} rows done (load before: {result.LoadAverageBefore}; after: {MachineFacts.Collect(null).LoadAverage})");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or KafkaException or HttpRequestException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return RunFailed;
        }

        output.WriteLine();
        PrintTable(results, output);
        output.WriteLine();
        PrintRuntimeTable(results, output);
        output.WriteLine();
        foreach (var result in results)
        {
            output.WriteLine($"target ({result.Rows:N0} rows): {result.ProcessedRowsPerSecond:N0} rows/s ingest-to-processed vs {RowsPerSecondTarget:N0} " +
                             (result.ProcessedRowsPerSecond >= RowsPerSecondTarget ? "(met)" : "(NOT met)"));
        }
        return 0;
    }

    private static void PrintTable(IReadOnlyList<IngestionRunResult> results, TextWriter output)
    {
        output.WriteLine("| rows | chunk | published s | processed s | **rows/s to processed** | stored s | rows/s to stored | CPU s to processed | rows per CPU-s | peak WS MiB | WS MiB at 10% / 50% / 100% | managed heap MiB at 10% / 50% / 100% | rejected | load before |");
        output.WriteLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var r in results)
        {
            string workingSets = string.Join(" / ", r.Memory.Select(m => ProcessMemory.Mebibytes(m.WorkingSetBytes)));
            string heaps = string.Join(" / ", r.Memory.Select(m => ProcessMemory.Mebibytes(m.ManagedHeapBytes)));
            string peak = ProcessMemory.Mebibytes(r.PeakWorkingSetBytes) + (r.PeakWasReset ? "" : " (process lifetime)");
            output.WriteLine(
                $"| {r.Rows:N0} | {r.ChunkSize} | {r.Published.TotalSeconds:N1} | {r.Processed.TotalSeconds:N1} | **{r.ProcessedRowsPerSecond:N0}** " +
                $"| {r.Stored.TotalSeconds:N1} | {r.StoredRowsPerSecond:N0} | {r.CpuToProcessed.TotalSeconds:N1} | {r.RowsPerCpuSecond:N0} | {peak} | {workingSets} | {heaps} | {r.RowsRejected:N0} | {r.LoadAverageBefore} |");
        }
        output.Flush();
    }

    /// <summary>The runtime's share of the CPU figure above: allocations and GC, and JIT still compiling after the warm-up.</summary>
    private static void PrintRuntimeTable(IReadOnlyList<IngestionRunResult> results, TextWriter output)
    {
        output.WriteLine("Runtime, from the POST to processed (whole process):");
        output.WriteLine();
        output.WriteLine("| rows | allocated MiB | **bytes allocated per row** | gen0 / gen1 / gen2 GCs | GC pause s | JIT-compiled methods | JIT s |");
        output.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var c = r.RuntimeToProcessed;
            output.WriteLine(
                $"| {r.Rows:N0} | {c.AllocatedBytes / (1024.0 * 1024.0):N0} | **{r.AllocatedBytesPerRow:N0}** | {c.Gen0Collections} / {c.Gen1Collections} / {c.Gen2Collections} " +
                $"| {c.GcPause.TotalSeconds:N2} | {c.JitCompiledMethods:N0} | {c.JitTime.TotalSeconds:N2} |");
        }
        output.Flush();
    }
}
