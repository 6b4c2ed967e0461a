using System.Text.Json;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Storage;

namespace MlPipeline.Core.Training;

/// <summary>A request to train <see cref="Model"/> on one dataset, or on all stored data of that model when <see cref="DatasetId"/> is null.</summary>
public sealed record TrainingRequest(string Model, string? DatasetId);

/// <summary>
/// The durable "this dataset needs training" record. The training stage writes it BEFORE the dataset-end message's
/// offset is stored and removes it only after the run finished (successfully or with a definitive failure), so a
/// crash mid-training retrains on restart. A finished dataset keeps a <c>.done</c> record, so a redelivered end
/// marker does not train it again. Also remembers which model each dataset trains (for "all data of a model").
/// </summary>
public sealed class TrainingJobStore
{
    // The job file: the wire contract's JSON policy (snake_case, nulls left out).
    private static readonly JsonSerializerOptions JobJson = ContractJson.CreateOptions();

    private const string PendingSuffix = ".pending.json";
    private const string DoneSuffix = ".done.json";
    private readonly string directory;
    private readonly Lock gate = new();

    public TrainingJobStore(string directory)
    {
        this.directory = Directory.CreateDirectory(directory).FullName;
    }

    /// <summary>Datasets recorded as needing training (left over by a crash, or not yet run).</summary>
    public IReadOnlyList<TrainingRequest> Pending()
    {
        lock (gate)
        {
            return Directory.EnumerateFiles(directory, "*" + PendingSuffix).Select(Read).OfType<TrainingRequest>().ToList();
        }
    }

    /// <summary>True when the dataset's training already ran to an end.</summary>
    public bool IsDone(string datasetId) => File.Exists(PathFor(datasetId, DoneSuffix));

    public bool IsPending(string datasetId) => File.Exists(PathFor(datasetId, PendingSuffix));

    /// <summary>The model a dataset was recorded to train, if any.</summary>
    public string? ModelOf(string datasetId) =>
        (Read(PathFor(datasetId, DoneSuffix)) ?? Read(PathFor(datasetId, PendingSuffix)))?.Model;

    /// <summary>Durably records that <paramref name="request"/>'s dataset needs training; returns false when it is already pending or done.</summary>
    public bool TryMarkPending(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.DatasetId);
        lock (gate)
        {
            if (IsDone(request.DatasetId) || IsPending(request.DatasetId))
            {
                return false;
            }

            Write(PathFor(request.DatasetId, PendingSuffix), request);
            return true;
        }
    }

    /// <summary>The run ended: pending becomes done (atomic rename).</summary>
    public void MarkDone(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.DatasetId);
        lock (gate)
        {
            var pending = PathFor(request.DatasetId, PendingSuffix);
            if (File.Exists(pending))
            {
                AtomicFile.Replace(pending, PathFor(request.DatasetId, DoneSuffix));
            }
            else
            {
                Write(PathFor(request.DatasetId, DoneSuffix), request);
            }
        }
    }

    private string PathFor(string datasetId, string suffix) => Path.Combine(directory, Uri.EscapeDataString(datasetId) + suffix);

    private static void Write(string path, TrainingRequest request)
    {
        // Durable: the record stands in for a Kafka offset that is about to be committed.
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, request, JobJson));
    }

    private static TrainingRequest? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<TrainingRequest>(File.ReadAllText(path), JobJson) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
