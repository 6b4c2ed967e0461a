using System.Collections.Concurrent;
using System.Text.Json;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Storage;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// The ingestions this host knows, in memory for the progress API and on disk (one JSON file each, replaced by an
/// atomic rename) so they survive a restart. Thread-safe: one writer per job (its ingestion worker) plus readers.
/// </summary>
public sealed class IngestionJobStore
{
    // The job file: the wire contract's JSON policy (snake_case, nulls left out).
    private static readonly JsonSerializerOptions JobJson = ContractJson.CreateOptions();

    private readonly string directory;
    private readonly ConcurrentDictionary<string, IngestionJob> jobs = new(StringComparer.Ordinal);

    public IngestionJobStore(string directory)
    {
        this.directory = Directory.CreateDirectory(directory).FullName;
        foreach (var path in Directory.EnumerateFiles(this.directory, "*.json"))
        {
            if (TryRead(path) is { } job)
            {
                jobs[job.DatasetId] = job;
            }
        }
    }

    /// <summary>True when any ingestion was ever recorded here.</summary>
    public bool IsEmpty => jobs.IsEmpty;

    public IngestionJob? Get(string datasetId) => jobs.GetValueOrDefault(datasetId);

    public IReadOnlyList<IngestionJob> Unfinished() =>
        jobs.Values.Where(job => job.IsUnfinished).OrderBy(job => job.CreatedAt).ToList();

    /// <summary>Records the job's new state in memory and on disk.</summary>
    public async Task SaveAsync(IngestionJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        jobs[job.DatasetId] = job;
        var path = Path.Combine(directory, job.DatasetId + ".json");
        // A crash leaves the old or the new record, never half of one. Not durable: a checkpoint lost to a power cut
        // only re-sends rows that downstream deduplicates by row number, while an fsync per checkpoint would slow ingest.
        await AtomicFile.WriteAsync(
                path, (stream, token) => JsonSerializer.SerializeAsync(stream, job, JobJson, token), cancellationToken, durable: false)
            .ConfigureAwait(false);
    }

    /// <summary>Updates the in-memory record only (cheap progress counters between checkpoints).</summary>
    public void Update(IngestionJob job) => jobs[job.DatasetId] = job;

    private static IngestionJob? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<IngestionJob>(File.ReadAllText(path), JobJson);
        }
        catch (JsonException)
        {
            // A record we cannot read is left for an operator; it must not stop the host.
            return null;
        }
    }
}
