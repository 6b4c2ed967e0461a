using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>Where the training stage keeps processed rows. Maps to the <c>training.data_directory</c> config keys.</summary>
public sealed record TrainingDataStoreOptions
{
    /// <summary>Directory holding one append-only <c>.jsonl</c> file per dataset.</summary>
    /// <value>Defaults to <c>data/training</c>.</value>
    public string Directory { get; init; } = Path.Combine("data", "training");

    /// <summary>
    /// Whether each append is forced to the disk (fsync) rather than only to the OS. The OS flush
    /// already survives a process crash; fsync also survives a power cut, at a large cost per row.
    /// </summary>
    /// <value>Defaults to false.</value>
    public bool FlushToDisk { get; init; }
}

/// <summary>How far a dataset has arrived.</summary>
/// <param name="ExpectedRows">The row count from the dataset-end marker, or null before it arrived.</param>
public sealed record DatasetProgress(string DatasetId, long AcceptedRows, long RejectedRows, long? ExpectedRows)
{
    /// <summary>True once the end marker arrived and every row it announced was stored or reported rejected.</summary>
    public bool IsComplete => ExpectedRows is { } expected && AcceptedRows + RejectedRows >= expected;
}

/// <summary>
/// Keeps each dataset's processed rows on disk as they arrive, so training survives restarts and
/// never needs the whole dataset in one message. Append-only JSON lines, one file per dataset.
/// Idempotent by row number: a redelivered row (accepted or rejected) changes nothing. On open the
/// index is rebuilt from the files, and a torn last line (crash mid-write) is cut off. The processing
/// stage reports rejected rows here too (<see cref="AddRejectedAsync"/>) so that completeness
/// (accepted + rejected = expected) is knowable without the dead-letter topic.
/// </summary>
public sealed class TrainingDataStore : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TrainingDataStoreOptions options;
    private readonly Dictionary<string, DatasetState> datasets = new(StringComparer.Ordinal);

    // One writer at a time: appends must not interleave, and the index must match the file.
    private readonly SemaphoreSlim writeLock = new(1, 1);

    private TrainingDataStore(TrainingDataStoreOptions options)
    {
        this.options = options;
    }

    /// <summary>Opens (or creates) the store and rebuilds its index from the files.</summary>
    public static async Task<TrainingDataStore> OpenAsync(TrainingDataStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.Directory);
        var store = new TrainingDataStore(options);
        foreach (var path in Directory.EnumerateFiles(options.Directory, "*.jsonl"))
        {
            var state = await LoadAsync(path, cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                store.datasets[state.DatasetId] = state;
            }
        }

        return store;
    }

    /// <summary>Stores a processed row; returns false (and writes nothing) when its row number is already stored.</summary>
    public Task<bool> AddAsync(ProcessedRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        return AppendRowEntryAsync(new StoredEntry { Kind = EntryKind.Row, DatasetId = row.DatasetId, RowNumber = row.RowNumber, Row = row }, cancellationToken);
    }

    /// <summary>Records that a row was rejected upstream, so it counts toward completeness; idempotent like <see cref="AddAsync"/>.</summary>
    public Task<bool> AddRejectedAsync(string datasetId, long rowNumber, string reason, CancellationToken cancellationToken) =>
        AppendRowEntryAsync(new StoredEntry { Kind = EntryKind.Rejected, DatasetId = datasetId, RowNumber = rowNumber, Reason = reason }, cancellationToken);

    /// <summary>Records the dataset-end marker's row count. A repeated marker with the same count is a no-op.</summary>
    public async Task MarkEndAsync(string datasetId, long expectedRows, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = GetOrCreate(datasetId);
            if (state.ExpectedRows == expectedRows)
            {
                return;
            }

            await AppendAsync(state, new StoredEntry { Kind = EntryKind.End, DatasetId = datasetId, ExpectedRows = expectedRows }, cancellationToken).ConfigureAwait(false);
            state.ExpectedRows = expectedRows;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Records the dataset's schema (from message metadata) so training can use it after a restart. The latest one wins.</summary>
    public async Task RecordSchemaAsync(string datasetId, DatasetSchema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = GetOrCreate(datasetId);
            if (state.Schema is not null && JsonSerializer.Serialize(state.Schema, JsonOptions) == JsonSerializer.Serialize(schema, JsonOptions))
            {
                return;
            }

            await AppendAsync(state, new StoredEntry { Kind = EntryKind.Schema, DatasetId = datasetId, Schema = schema }, cancellationToken).ConfigureAwait(false);
            state.Schema = schema;
        }
        finally
        {
            writeLock.Release();
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
        lock (datasets)
        {
            return datasets.TryGetValue(datasetId, out var state)
                ? new DatasetProgress(datasetId, state.AcceptedRows, state.RejectedRows, state.ExpectedRows)
                : new DatasetProgress(datasetId, 0, 0, null);
        }
    }

    public bool IsComplete(string datasetId) => GetProgress(datasetId).IsComplete;

    public DatasetSchema? GetSchema(string datasetId)
    {
        lock (datasets)
        {
            return datasets.TryGetValue(datasetId, out var state) ? state.Schema : null;
        }
    }

    /// <summary>Streams the accepted rows of one dataset in arrival order.</summary>
    public async IAsyncEnumerable<ProcessedRow> ReadRowsAsync(string datasetId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = PathFor(datasetId);
        if (!File.Exists(path))
        {
            yield break;
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!TryParse(line, out var entry))
            {
                // A writer may be mid-append: only the very last line can be partial.
                if (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    yield break;
                }

                throw new InvalidDataException($"Corrupt line in '{path}' before its end.");
            }

            if (entry.Kind == EntryKind.Row && entry.Row is not null)
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
        await writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var state in datasets.Values)
            {
                if (state.Writer is not null)
                {
                    await state.Writer.DisposeAsync().ConfigureAwait(false);
                    state.Writer = null;
                }
            }
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task<bool> AppendRowEntryAsync(StoredEntry entry, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = GetOrCreate(entry.DatasetId);
            if (state.RowNumbers.Contains(entry.RowNumber!.Value))
            {
                return false;
            }

            await AppendAsync(state, entry, cancellationToken).ConfigureAwait(false);
            state.Apply(entry);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task AppendAsync(DatasetState state, StoredEntry entry, CancellationToken cancellationToken)
    {
        state.Writer ??= new FileStream(PathFor(state.DatasetId), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);
        // One write call per line keeps a concurrent reader from seeing two half lines.
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, JsonOptions);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';
        await state.Writer.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await state.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (options.FlushToDisk)
        {
            state.Writer.Flush(flushToDisk: true);
        }
    }

    private DatasetState GetOrCreate(string datasetId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetId);
        lock (datasets)
        {
            if (!datasets.TryGetValue(datasetId, out var state))
            {
                state = new DatasetState(datasetId);
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

    private static async Task<DatasetState?> LoadAsync(string path, CancellationToken cancellationToken)
    {
        DatasetState? state = null;
        long goodLength = 0;
        long offset = 0;
        var badLine = false;
        var pending = new MemoryStream();
        long fileLength;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    pending.Write(buffer, start, i - start);
                    offset += pending.Length + 1;
                    start = i + 1;
                    var line = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
                    pending.SetLength(0);
                    if (badLine)
                    {
                        // Our appends only ever damage the tail; a bad line with good data after it is real corruption.
                        throw new InvalidDataException($"Corrupt line in '{path}' at byte {goodLength}, before the end of the file.");
                    }

                    if (TryParse(line, out var entry))
                    {
                        state ??= new DatasetState(entry.DatasetId);
                        state.Apply(entry);
                        goodLength = offset;
                    }
                    else
                    {
                        badLine = true;
                    }
                }

                pending.Write(buffer, start, read - start);
            }
        }

        if (badLine && pending.Length > 0)
        {
            throw new InvalidDataException($"Corrupt line in '{path}' at byte {goodLength}, before the end of the file.");
        }

        if (goodLength < fileLength)
        {
            // A crash mid-append left a torn last line: cut it so the next append starts on a fresh line.
            await using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            truncate.SetLength(goodLength);
        }

        return state;
    }

    private static bool TryParse(string line, out StoredEntry entry)
    {
        entry = null!;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        try
        {
            entry = JsonSerializer.Deserialize<StoredEntry>(line, JsonOptions)!;
            return entry is not null && !string.IsNullOrEmpty(entry.DatasetId);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [JsonConverter(typeof(JsonStringEnumConverter<EntryKind>))]
    private enum EntryKind
    {
        Row,
        Rejected,
        End,
        Schema,
    }

    /// <summary>One line of a dataset file.</summary>
    private sealed record StoredEntry
    {
        public EntryKind Kind { get; init; }

        public string DatasetId { get; init; } = string.Empty;

        public long? RowNumber { get; init; }

        public ProcessedRow? Row { get; init; }

        public string? Reason { get; init; }

        public long? ExpectedRows { get; init; }

        public DatasetSchema? Schema { get; init; }
    }

    /// <summary>The in-memory index of one dataset file; guarded by the store's write lock (reads by the dictionary lock).</summary>
    private sealed class DatasetState(string datasetId)
    {
        public string DatasetId { get; } = datasetId;

        public HashSet<long> RowNumbers { get; } = [];

        public long AcceptedRows { get; private set; }

        public long RejectedRows { get; private set; }

        public long? ExpectedRows { get; set; }

        public DatasetSchema? Schema { get; set; }

        public FileStream? Writer { get; set; }

        public void Apply(StoredEntry entry)
        {
            switch (entry.Kind)
            {
                case EntryKind.Row when entry.RowNumber is { } number && RowNumbers.Add(number):
                    AcceptedRows++;
                    break;
                case EntryKind.Rejected when entry.RowNumber is { } number && RowNumbers.Add(number):
                    RejectedRows++;
                    break;
                case EntryKind.End:
                    ExpectedRows = entry.ExpectedRows;
                    break;
                case EntryKind.Schema:
                    Schema = entry.Schema;
                    break;
            }
        }
    }
}
