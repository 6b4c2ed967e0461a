using System.Collections.Concurrent;
using System.Text.Json;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// The ingestions this host knows, in memory for the progress API and on disk (one JSON file each, replaced by an
/// atomic rename) so they survive a restart. Thread-safe: one writer per job (its ingestion worker) plus readers.
/// </summary>
public sealed class IngestionJobStore
{
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
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, job, DatasetPayloadJson.Options, cancellationToken).ConfigureAwait(false);
        }

        // rename(2) replaces atomically: a crash leaves the old or the new record, never half of one.
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Updates the in-memory record only (cheap progress counters between checkpoints).</summary>
    public void Update(IngestionJob job) => jobs[job.DatasetId] = job;

    private static IngestionJob? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<IngestionJob>(File.ReadAllText(path), DatasetPayloadJson.Options);
        }
        catch (JsonException)
        {
            // A record we cannot read is left for an operator; it must not stop the host.
            return null;
        }
    }
}
