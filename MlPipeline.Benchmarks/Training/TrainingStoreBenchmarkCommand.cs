using System.Diagnostics;
using System.Globalization;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Benchmarks.Training;

/// <summary>
/// `training-store`: what the training stage pays to store processed rows (docs/benchmarks.md, `ingest`, "Where the
/// time goes" items 3 and 5). Rows arrive as messages of <c>--chunk</c> rows and are stored the old way (one
/// <see cref="TrainingDataStore.AddAsync"/> per row: a write and a flush each) and the new way (one
/// <see cref="TrainingDataStore.AddRangeAsync"/> per message, written in batches of <c>performance.batch_processing_size</c>
/// lines), each into a fresh directory under the system temp folder. Also reports the managed memory the store
/// holds after all rows (its row-number index), measured after a full collection.
/// </summary>
public sealed class TrainingStoreBenchmarkCommand : IBenchmarkCommand
{
    private const string DatasetId = "bench-store";

    public string Name => "training-store";
    public string Summary => "TrainingDataStore: per-row AddAsync vs batched AddRangeAsync, and the index's memory";
    public string Usage => """
        usage: dotnet run -c Release --project MlPipeline.Benchmarks -- training-store [options]
          --rows N        rows stored per run (default 200000)
          --chunk C       rows per message, data.chunk_size (default 100)
          --batches A,B   performance.batch_processing_size values for AddRangeAsync (default 1,100,1000)
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        int rowCount = 200_000, chunk = 100;
        IReadOnlyList<int> batches = [1, 100, 1_000];
        var parser = new BenchmarkOptionParser()
            .Int("--rows", 1, int.MaxValue, rows => rowCount = rows)
            .Int("--chunk", 1, int.MaxValue, size => chunk = size)
            .IntList("--batches", 1, 100_000, sizes => batches = sizes);
        if (!parser.TryParse(arguments, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var output = Console.Out;
        MachineFacts.Collect(null).Print(output);
        var rows = Enumerable.Range(1, rowCount).Select(i => new ProcessedRow(
            DatasetId,
            i,
            new Dictionary<string, double> { ["Age"] = 18 + (i % 50), ["Quantity"] = 1 + (i % 4), ["Price per Unit"] = 25 * (1 + (i % 3)), ["Date.month"] = 1 + (i % 12) },
            new Dictionary<string, string> { ["Gender"] = i % 2 == 0 ? "Male" : "Female", ["Product Category"] = "Beauty" },
            (1 + (i % 4)) * 25 * (1 + (i % 3)))).ToList();
        var messages = rows.Chunk(chunk).ToList();

        output.WriteLine($"rows: {rowCount:N0} in messages of {chunk} rows");
        output.WriteLine();
        output.WriteLine("| way | rows/s | CPU s | store's managed memory after, KiB | load before |");
        output.WriteLine("|---|--:|--:|--:|---|");
        // Every way runs once unmeasured on a few messages first, so JIT tier-up is not billed to the first way.
        var warmUp = messages.Take(50).ToList();
        foreach (var measured in new[] { false, true })
        {
            var (table, runMessages, runRows) = measured ? (output, messages, rowCount) : (TextWriter.Null, warmUp, warmUp.Sum(m => m.Length));
            await RunOneAsync(table, "AddAsync per row", 1, async (store, message) =>
            {
                foreach (var row in message)
                {
                    await store.AddAsync(row, cancellationToken);
                }
            }, runMessages, runRows);
            foreach (var batch in batches)
            {
                await RunOneAsync(table, $"AddRangeAsync, batch {batch}", batch,
                    (store, message) => store.AddRangeAsync(DatasetId, message, [], cancellationToken), runMessages, runRows);
            }
        }

        return 0;
    }

    private static async Task RunOneAsync(
        TextWriter output, string way, int batch, Func<TrainingDataStore, ProcessedRow[], Task> store, List<ProcessedRow[]> messages, int rowCount)
    {
        var directory = Directory.CreateTempSubdirectory("mlpipeline-store-bench-");
        try
        {
            var load = MachineFacts.Collect(null).LoadAverage ?? "n/a";
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var opened = await TrainingDataStore.OpenAsync(new TrainingDataStoreOptions { Directory = directory.FullName, WriteBatchRows = batch }, CancellationToken.None);
            await using (opened)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                foreach (var message in messages)
                {
                    await store(opened, message);
                }

                wall.Stop();
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
                output.WriteLine($"| {way} | {rowCount / wall.Elapsed.TotalSeconds:N0} | {cpuSeconds:N1} | {retained / 1024.0:N0} | {load} |");
                output.Flush();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
