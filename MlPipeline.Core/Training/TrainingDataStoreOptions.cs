namespace MlPipeline.Core.Training;

/// <summary>Where the training stage keeps processed rows. Maps to the <c>training.data_directory</c> config keys.</summary>
public sealed record TrainingDataStoreOptions
{
    /// <summary>Directory holding one append-only <c>.jsonl</c> file per dataset.</summary>
    /// <value>Defaults to <c>data/training</c>.</value>
    public string Directory { get; init; } = Path.Combine("data", "training");

    /// <summary>
    /// Whether each write is forced to the disk (fsync) rather than only to the OS. The OS flush
    /// already survives a process crash; fsync also survives a power cut, at a large cost per write.
    /// </summary>
    /// <value>Defaults to false.</value>
    public bool FlushToDisk { get; init; }

    /// <summary>
    /// Most lines <see cref="TrainingDataStore.AddRangeAsync"/> writes as one buffer with one flush (and one fsync when
    /// <see cref="FlushToDisk"/>): <c>performance.batch_processing_size</c>. Larger means fewer system calls per row
    /// and a larger buffer; a crash mid-write loses only the torn tail of one batch, which redelivery restores.
    /// </summary>
    /// <value>Defaults to 1000.</value>
    public int WriteBatchRows { get; init; } = 1_000;
}

/// <summary>How far a dataset has arrived.</summary>
/// <param name="ExpectedRows">The row count from the dataset-end marker, or null before it arrived.</param>
public sealed record DatasetProgress(string DatasetId, long AcceptedRows, long RejectedRows, long? ExpectedRows)
{
    /// <summary>True once the end marker arrived and every row it announced was stored or reported rejected.</summary>
    public bool IsComplete => ExpectedRows is { } expected && AcceptedRows + RejectedRows >= expected;
}

/// <summary>What one <see cref="TrainingDataStore.AddRangeAsync"/> call stored; row numbers already stored are not counted.</summary>
public readonly record struct StoredRowCounts(int NewRows, int NewRejections);
