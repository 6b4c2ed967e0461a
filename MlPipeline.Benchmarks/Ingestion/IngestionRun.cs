using System.Diagnostics;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Data.Ingestion;

namespace MlPipeline.Benchmarks.Ingestion;

/// <summary>Resident memory when a share of the rows had reached the processed-data topic.</summary>
public readonly record struct MemorySample(double Fraction, TimeSpan At, long WorkingSetBytes, long ManagedHeapBytes);

/// <summary>What one measured ingestion took.</summary>
/// <param name="Published">Until the ingestor had every RAW_DATA chunk acknowledged (progress rows_published = N).</param>
/// <param name="Processed">Until the processed-data topic held every row (its high watermarks: all chunks + the end marker).</param>
/// <param name="Stored">Until the training stage had stored every processed row (progress state completed).</param>
/// <param name="RuntimeToProcessed">Allocations, collections, GC pauses and JIT work of the whole process from the submit to the processed milestone.</param>
/// <param name="PeakWorkingSetBytes">Process peak RSS from the submit to the processed milestone (VmHWM reset at submit when possible).</param>
public sealed record IngestionRunResult(
    int Rows,
    int ChunkSize,
    string LoadAverageBefore,
    TimeSpan Published,
    TimeSpan Processed,
    TimeSpan Stored,
    long PeakWorkingSetBytes,
    bool PeakWasReset,
    IReadOnlyList<MemorySample> Memory,
    long RowsRejected,
    TimeSpan CpuToProcessed,
    RuntimeCounters RuntimeToProcessed)
{
    /// <summary>
    /// Rows per second of this process's CPU time (all threads: stages, clients, embedded broker, JIT, GC): unlike
    /// wall-clock rows/s it hardly depends on what else the machine runs. Two idle cores give at most twice this.
    /// </summary>
    public double RowsPerCpuSecond => Rows / CpuToProcessed.TotalSeconds;

    public double ProcessedRowsPerSecond => Rows / Processed.TotalSeconds;
    public double PublishedRowsPerSecond => Rows / Published.TotalSeconds;
    public double StoredRowsPerSecond => Rows / Stored.TotalSeconds;

    public double AllocatedBytesPerRow => RuntimeToProcessed.AllocatedBytes / (double)Rows;
}

/// <summary>
/// One measured ingestion: writes the CSV (not timed), submits it through the HTTP API and samples until the
/// dataset is complete downstream. The clock starts at the POST; every milestone is the first sample that saw it,
/// so each figure is late by at most one sampling period.
/// </summary>
public sealed class IngestionRun(PipelineHostUnderTest host, IngestionBenchmarkSettings settings)
{
    private static readonly double[] MemoryFractions = [0.1, 0.5, 1.0];

    /// <summary>Ingests <paramref name="rows"/> rows and waits until the training stage is done with them; nothing is measured.</summary>
    public async Task WarmUpAsync(int rows, CancellationToken cancellationToken)
    {
        if (rows == 0) return;
        string datasetId = await host.SubmitAsync(WriteCsv("warmup.csv", rows), cancellationToken);
        var deadline = Stopwatch.StartNew();
        // Also wait for the training attempt a complete dataset triggers (refused by min_rows after the worker has read
        // every stored row back): otherwise it would run, and allocate, inside the measured window.
        while ((await host.GetProgressAsync(datasetId, cancellationToken)) is not { State: IngestionState.Completed, Training: "done" })
        {
            ThrowIfLate(deadline.Elapsed, "warm-up");
            await Task.Delay(settings.SampleInterval, cancellationToken);
        }
    }

    public async Task<IngestionRunResult> MeasureAsync(int rows, CancellationToken cancellationToken)
    {
        string fileName = WriteCsv($"bench-{rows}.csv", rows);
        long baseMessages = host.ProcessedMessages();
        long expectedMessages = baseMessages + (rows + settings.ChunkSize - 1) / settings.ChunkSize + 1;
        string load = LoadAverage();
        // Collect what the CSV writer and the warm-up left behind, so the samples show this run's memory.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        bool peakReset = ProcessMemory.TryResetPeak();

        var cpuAtStart = ProcessCpu();
        var runtimeAtStart = RuntimeCounters.Capture();
        var clock = Stopwatch.StartNew();
        string datasetId = await host.SubmitAsync(fileName, cancellationToken);
        TimeSpan? published = null, processed = null, stored = null;
        long peakAtProcessed = 0;
        var cpuToProcessed = TimeSpan.Zero;
        var runtimeToProcessed = default(RuntimeCounters);
        var memory = new List<MemorySample>();
        IngestionProgress? progress = null;
        using var timer = new PeriodicTimer(settings.SampleInterval);
        while (stored is null)
        {
            await timer.WaitForNextTickAsync(cancellationToken);
            progress = await host.GetProgressAsync(datasetId, cancellationToken);
            long processedMessages = host.ProcessedMessages() - baseMessages;
            var now = clock.Elapsed;
            if (progress?.State == IngestionState.Failed)
                throw new InvalidOperationException($"ingestion {datasetId} failed: {progress.Error}");

            if (published is null && progress is { } p && p.RowsPublished >= rows) published = now;
            // A processed chunk carries ChunkSize rows (the last fewer); the end marker is the final message.
            double processedFraction = Math.Min(1.0, processedMessages * (double)settings.ChunkSize / rows);
            bool allProcessed = processedMessages + baseMessages >= expectedMessages;
            while (memory.Count < MemoryFractions.Length)
            {
                double fraction = MemoryFractions[memory.Count];
                if (fraction < 1.0 ? processedFraction < fraction : !allProcessed) break;
                memory.Add(new MemorySample(fraction, now, ProcessMemory.WorkingSet(), GC.GetTotalMemory(forceFullCollection: false)));
            }
            if (processed is null && allProcessed)
            {
                processed = now;
                peakAtProcessed = ProcessMemory.PeakWorkingSet();
                cpuToProcessed = ProcessCpu() - cpuAtStart;
                runtimeToProcessed = RuntimeCounters.Capture().Since(runtimeAtStart);
            }
            if (progress?.State == IngestionState.Completed) stored = now;
            ThrowIfLate(now, $"{rows:N0}-row run (published {progress?.RowsPublished:N0}, processed messages {processedMessages:N0}, stored {progress?.RowsProcessed:N0})");
        }

        return new IngestionRunResult(
            rows, settings.ChunkSize, load, published ?? stored.Value, processed ?? stored.Value, stored.Value,
            peakAtProcessed, peakReset, memory, progress?.RowsRejected ?? 0, cpuToProcessed, runtimeToProcessed);
    }

    private string WriteCsv(string fileName, int rows)
    {
        Directory.CreateDirectory(host.DataDirectory);
        SalesCsvGenerator.WriteFile(Path.Combine(host.DataDirectory, fileName), rows);
        return fileName;
    }

    private void ThrowIfLate(TimeSpan elapsed, string what)
    {
        if (elapsed > settings.Timeout)
            throw new TimeoutException($"{what} did not complete within {settings.Timeout.TotalSeconds:0} s");
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static string LoadAverage() => MachineFacts.Collect(null).LoadAverage ?? "n/a";
}
