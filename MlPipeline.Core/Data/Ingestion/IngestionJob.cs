using System.Text.Json.Serialization;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>Where an ingestion is. The later states come from downstream: rows stored or rejected by processing/training.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IngestionState>))]
public enum IngestionState
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("publishing")] Publishing,
    [JsonStringEnumMemberName("published")] Published,
    [JsonStringEnumMemberName("processing")] Processing,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// One ingestion as recorded on disk, so a host killed mid-file resumes it on restart. Rows are re-read from the
/// file (row numbers are stable across re-reads) and publishing continues after <see cref="RowsPublished"/>, the
/// last count the broker acknowledged; anything published twice is deduplicated by row number downstream.
/// </summary>
public sealed record IngestionJob
{
    public required string DatasetId { get; init; }

    /// <summary>Real path of the CSV (inside the data folder).</summary>
    public required string FilePath { get; init; }

    public required string Model { get; init; }

    public required string Label { get; init; }

    /// <summary>The task asked for (<c>?task=</c>), or null for <c>training.task</c>.</summary>
    public TrainingTask? Task { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The message id of the dataset-start marker, returned by the API as the original's <c>message_id</c>.</summary>
    public required string StartMessageId { get; init; }

    public IngestionState State { get; init; } = IngestionState.Queued;

    public long RowsRead { get; init; }

    /// <summary>Rows whose RAW_DATA message the broker acknowledged.</summary>
    public long RowsPublished { get; init; }

    /// <summary>Why ingestion failed (state failed).</summary>
    public string? Error { get; init; }

    /// <summary>True while the ingestion itself has work left (a restart resumes it).</summary>
    [JsonIgnore]
    public bool IsUnfinished => State is IngestionState.Queued or IngestionState.Publishing;
}
