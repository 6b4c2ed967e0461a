using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// Keeps each dataset's processed rows on disk as they arrive, so training survives restarts and
/// never needs the whole dataset in one message. Append-only JSON lines, one file per dataset.
/// Idempotent by row number: a redelivered row (accepted or rejected) changes nothing. On open the
/// index is rebuilt from the files, and a torn last line (crash mid-write) is cut off. The processing
/// stage reports rejected rows here too (<see cref="AddRejectedAsync"/>) so that completeness
/// (accepted + rejected = expected) is knowable without the dead-letter topic.
/// Rows are written in batches of up to <see cref="TrainingDataStoreOptions.WriteBatchRows"/> lines, one write and
/// one flush each. A batch is still lines, so a crash mid-batch leaves whole lines plus one torn tail: open keeps
/// the whole lines and cuts the tail, and the consumer's redelivery of the message stores the rest.
/// Thread-safe. Each dataset has its own write lock, so datasets on different partitions are written in parallel
/// while the lines of one dataset never interleave.
/// </summary>
public sealed class TrainingDataStore : IAsyncDisposable
{
    private readonly TrainingDataStoreOptions options;

    // dataset id => its index and writer; the dictionary itself is guarded by locking it.
    private readonly Dictionary<string, Dataset> datasets = new(StringComparer.Ordinal);

    private TrainingDataStore(TrainingDataStoreOptions options)
    {
        this.options = options;
    }

    /// <summary>Opens (or creates) the store and rebuilds its index from the files.</summary>
    public static async Task<TrainingDataStore> OpenAsync(TrainingDataStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WriteBatchRows, 1);
        Directory.CreateDirectory(options.Directory);
        var store = new TrainingDataStore(options);
        foreach (var path in Directory.EnumerateFiles(options.Directory, "*.jsonl"))
        {
            var dataset = await LoadAsync(path, options.FlushToDisk, cancellationToken).ConfigureAwait(false);
            if (dataset is not null)
            {
                store.datasets[dataset.Index.DatasetId] = dataset;
            }
        }

        return store;
    }

    /// <summary>Stores a processed row; returns false (and writes nothing) when its row number is already stored.</summary>
    public async Task<bool> AddAsync(ProcessedRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var stored = await AddRangeAsync(row.DatasetId, [row], [], cancellationToken).ConfigureAwait(false);
        return stored.NewRows == 1;
    }

    /// <summary>Records that a row was rejected upstream, so it counts toward completeness; idempotent like <see cref="AddAsync"/>.</summary>
    public async Task<bool> AddRejectedAsync(string datasetId, long rowNumber, string reason, CancellationToken cancellationToken)
    {
        var stored = await AddRangeAsync(datasetId, [], [new RowRejection(rowNumber, reason)], cancellationToken).ConfigureAwait(false);
        return stored.NewRejections == 1;
    }

    /// <summary>
    /// Stores the accepted <paramref name="rows"/> and the <paramref name="rejections"/> of one dataset, skipping every
    /// row number already stored (or repeated in the call), in writes of up to
    /// <see cref="TrainingDataStoreOptions.WriteBatchRows"/> lines, each flushed once. Every row must belong to
    /// <paramref name="datasetId"/>. When it throws, the batches written before the failing one are stored and the
    /// failing one is not (it is cut from the file), so a retry of the same call stores exactly the rest.
    /// </summary>
    public async Task<StoredRowCounts> AddRangeAsync(
        string datasetId,
        IReadOnlyList<ProcessedRow> rows,
        IReadOnlyList<RowRejection> rejections,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rejections);
        if (rows.Count == 0 && rejections.Count == 0)
        {
            return default;
        }

        if (rows.FirstOrDefault(row => !string.Equals(row.DatasetId, datasetId, StringComparison.Ordinal)) is { } stray)
        {
            throw new ArgumentException($"Row {stray.RowNumber} belongs to dataset '{stray.DatasetId}', not '{datasetId}'.", nameof(rows));
        }

        var state = GetOrCreate(datasetId);
        await state.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = new List<TrainingDataLine>(Math.Min(rows.Count + rejections.Count, options.WriteBatchRows));
            var inThisCall = new HashSet<long>();
            int newRows = 0, newRejections = 0;
            foreach (var entry in rows.Select(RowEntry).Concat(rejections.Select(rejection => RejectedEntry(datasetId, rejection))))
            {
                var number = entry.RowNumber!.Value;
                if (state.Index.RowNumbers.Contains(number) || !inThisCall.Add(number))
                {
                    continue;
                }

                entries.Add(entry);
                if (entries.Count == options.WriteBatchRows)
                {
                    (newRows, newRejections) = Counted(await WriteBatchAsync(state, entries, cancellationToken).ConfigureAwait(false), newRows, newRejections);
                    entries.Clear();
                }
            }

            if (entries.Count > 0)
            {
                (newRows, newRejections) = Counted(await WriteBatchAsync(state, entries, cancellationToken).ConfigureAwait(false), newRows, newRejections);
            }

            return new StoredRowCounts(newRows, newRejections);
        }
        finally
        {
            state.WriteGate.Release();
        }

        static (int Rows, int Rejections) Counted(StoredRowCounts batch, int rows, int rejections) =>
            (rows + batch.NewRows, rejections + batch.NewRejections);
    }

    /// <summary>Records the dataset-end marker's row count. A repeated marker with the same count is a no-op.</summary>
    public async Task MarkEndAsync(string datasetId, long expectedRows, CancellationToken cancellationToken)
    {
        var state = GetOrCreate(datasetId);
        await state.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state.Index.ExpectedRows == expectedRows)
            {
                return;
            }

            await WriteBatchAsync(state, [new TrainingDataLine { Kind = TrainingDataLineKind.End, DatasetId = datasetId, ExpectedRows = expectedRows }], cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            state.WriteGate.Release();
        }
    }

    /// <summary>Records the dataset's schema (from message metadata) so training can use it after a restart. The latest one wins.</summary>
    public async Task RecordSchemaAsync(string datasetId, DatasetSchema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var state = GetOrCreate(datasetId);
        await state.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state.Index.Schema is not null && TrainingDataLineCodec.SameSchema(state.Index.Schema, schema))
            {
                return;
            }

            await WriteBatchAsync(state, [new TrainingDataLine { Kind = TrainingDataLineKind.Schema, DatasetId = datasetId, Schema = schema }], cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            state.WriteGate.Release();
        }
    }

    public IReadOnlyList<string> ListDatasets()
    {
        lock (datasets)
        {
            return datasets.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    public DatasetProgress GetProgress(string datasetId)
    {
        Dataset? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.Index.Progress() ?? new DatasetProgress(datasetId, 0, 0, null);
    }

    public bool IsComplete(string datasetId) => GetProgress(datasetId).IsComplete;

    public DatasetSchema? GetSchema(string datasetId)
    {
        Dataset? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.Index.CurrentSchema();
    }

    /// <summary>How many separate row-number ranges the dataset's index holds (1 when rows arrived in order): its memory cost.</summary>
    public int IndexedRangeCount(string datasetId)
    {
        Dataset? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.Index.IndexedRangeCount() ?? 0;
    }

    /// <summary>
    /// Streams the accepted rows of one dataset in arrival order, as of the call: only the bytes of batches whose
    /// write had completed are read, so a batch being written meanwhile is never seen half-way (a reader could
    /// otherwise meet its torn tail and then, re-reading, the rest of that line).
    /// </summary>
    public async IAsyncEnumerable<ProcessedRow> ReadRowsAsync(string datasetId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dataset? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        if (state is null || !File.Exists(state.Lines.Path))
        {
            yield break;
        }

        using var reader = new StreamReader(state.Lines.OpenPrefix(state.Index.CommittedLength()), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!TrainingDataLineCodec.TryRead(line, out var entry))
            {
                // Every committed byte belongs to a whole line: a bad one is corruption, never a write in progress.
                throw new InvalidDataException($"Corrupt line in '{state.Lines.Path}' before its end.");
            }

            if (entry.Kind == TrainingDataLineKind.Row && entry.Row is not null)
            {
                yield return entry.Row;
            }
        }
    }

    /// <summary>Streams the accepted rows of every dataset.</summary>
    public async IAsyncEnumerable<ProcessedRow> ReadAllRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var datasetId in ListDatasets())
        {
            await foreach (var row in ReadRowsAsync(datasetId, cancellationToken).ConfigureAwait(false))
            {
                yield return row;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Dataset> all;
        lock (datasets)
        {
            all = [.. datasets.Values];
        }

        foreach (var state in all)
        {
            // Taking each dataset's lock waits for its write in progress, so no batch is cut off by the close.
            await state.WriteGate.WaitAsync().ConfigureAwait(false);
            try
            {
                await state.Lines.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                state.WriteGate.Release();
            }
        }
    }

    private static TrainingDataLine RowEntry(ProcessedRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new TrainingDataLine { Kind = TrainingDataLineKind.Row, DatasetId = row.DatasetId, RowNumber = row.RowNumber, Row = row };
    }

    private static TrainingDataLine RejectedEntry(string datasetId, RowRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new TrainingDataLine { Kind = TrainingDataLineKind.Rejected, DatasetId = datasetId, RowNumber = rejection.RowNumber, Reason = rejection.Reason };
    }

    /// <summary>
    /// Appends <paramref name="entries"/> as one buffer of lines with one write and one flush, then (only then) adds them
    /// to the index, so the index never claims a row the file lacks. The caller holds the dataset's write lock.
    /// </summary>
    private async Task<StoredRowCounts> WriteBatchAsync(Dataset state, IReadOnlyList<TrainingDataLine> entries, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(entries.Count * 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            foreach (var entry in entries)
            {
                TrainingDataLineCodec.Write(json, entry);
                json.Flush();
                buffer.GetSpan(1)[0] = (byte)'\n';
                buffer.Advance(1);
                json.Reset(buffer);
            }
        }

        var length = await state.Lines.AppendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return state.Index.Apply(entries, committedLength: length);
    }

    private Dataset GetOrCreate(string datasetId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetId);
        lock (datasets)
        {
            if (!datasets.TryGetValue(datasetId, out var state))
            {
                state = new Dataset(new DatasetIndex(datasetId), new AppendOnlyLineFile(PathFor(datasetId), options.FlushToDisk));
                datasets[datasetId] = state;
            }

            return state;
        }
    }

    private string PathFor(string datasetId) => Path.Combine(options.Directory, FileNameFor(datasetId) + ".jsonl");

    /// <summary>
    /// Dataset ids come from producers, so they are escaped into a safe, reversible file name:
    /// letters, digits, '-' and '_' stay, every other UTF-8 byte becomes "~XX".
    /// </summary>
    private static string FileNameFor(string datasetId)
    {
        var name = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(datasetId))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                name.Append(c);
            }
            else
            {
                name.Append('~').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return name.ToString();
    }

    private static async Task<Dataset?> LoadAsync(string path, bool flushToDisk, CancellationToken cancellationToken)
    {
        DatasetIndex? index = null;
        var wholeLines = await AppendOnlyLineFile.RecoverAsync(
                path,
                line =>
                {
                    if (!TrainingDataLineCodec.TryRead(line, out var entry))
                    {
                        return false;
                    }

                    index ??= new DatasetIndex(entry.DatasetId);
                    index.Apply([entry], committedLength: 0);
                    return true;
                },
                cancellationToken)
            .ConfigureAwait(false);
        if (index is null)
        {
            return null;
        }

        index.Commit(wholeLines);
        return new Dataset(index, new AppendOnlyLineFile(path, flushToDisk));
    }

    /// <summary>
    /// One dataset: its index, its file, and the lock of its single writer, which serialises the file's appends and
    /// the index's row-number set (readers use the index's own lock).
    /// </summary>
    private sealed class Dataset(DatasetIndex index, AppendOnlyLineFile lines)
    {
        public DatasetIndex Index { get; } = index;

        public AppendOnlyLineFile Lines { get; } = lines;

        public SemaphoreSlim WriteGate { get; } = new(1, 1);
    }
}
