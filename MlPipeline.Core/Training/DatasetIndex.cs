using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// The in-memory index of one dataset file: which row numbers it holds, the counts, the end marker, the schema and how
/// many of its bytes are whole, indexed lines. Rebuilt from the file on open (<see cref="Apply"/> line by line). The
/// row-number set belongs to the dataset's single writer (the store's write lock); the counters, end and schema are
/// also read by other threads, so they change and are read under a lock on this object (a snapshot never mixes two
/// batches).
/// </summary>
internal sealed class DatasetIndex(string datasetId)
{
    private readonly Lock sync = new();
    private long acceptedRows;
    private long rejectedRows;
    private long? expectedRows;
    private DatasetSchema? schema;
    private long committedLength;

    public string DatasetId { get; } = datasetId;

    /// <summary>Stored row numbers, accepted and rejected alike; only the dataset's writer touches it.</summary>
    public RowNumberSet RowNumbers { get; } = new();

    // Read by the writer; written only inside Apply.
    public long? ExpectedRows => expectedRows;

    public DatasetSchema? Schema => schema;

    public DatasetProgress Progress()
    {
        lock (sync)
        {
            return new DatasetProgress(DatasetId, acceptedRows, rejectedRows, expectedRows);
        }
    }

    public DatasetSchema? CurrentSchema()
    {
        lock (sync)
        {
            return schema;
        }
    }

    public int IndexedRangeCount()
    {
        lock (sync)
        {
            return RowNumbers.RangeCount;
        }
    }

    /// <summary>Bytes of the file that hold whole, indexed lines: what a reader may read.</summary>
    public long CommittedLength()
    {
        lock (sync)
        {
            return committedLength;
        }
    }

    public void Commit(long length)
    {
        lock (sync)
        {
            committedLength = length;
        }
    }

    /// <summary>Indexes <paramref name="entries"/>, just written; the file's whole lines now end at <paramref name="committedLength"/> (0: unchanged).</summary>
    public StoredRowCounts Apply(IReadOnlyList<TrainingDataLine> entries, long committedLength)
    {
        int newRows = 0, newRejections = 0;
        lock (sync)
        {
            this.committedLength = Math.Max(this.committedLength, committedLength);
            foreach (var entry in entries)
            {
                switch (entry.Kind)
                {
                    case TrainingDataLineKind.Row when entry.RowNumber is { } number && RowNumbers.Add(number):
                        acceptedRows++;
                        newRows++;
                        break;
                    case TrainingDataLineKind.Rejected when entry.RowNumber is { } number && RowNumbers.Add(number):
                        rejectedRows++;
                        newRejections++;
                        break;
                    case TrainingDataLineKind.End:
                        expectedRows = entry.ExpectedRows;
                        break;
                    case TrainingDataLineKind.Schema:
                        schema = entry.Schema;
                        break;
                }
            }
        }

        return new StoredRowCounts(newRows, newRejections);
    }
}
