using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;
using MlPipeline.Core.Data.Ingestion;

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
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TrainingDataStoreOptions options;

    // dataset id => its index and writer; the dictionary itself is guarded by locking it.
    private readonly Dictionary<string, DatasetState> datasets = new(StringComparer.Ordinal);

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
            var state = await LoadAsync(path, cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                store.datasets[state.DatasetId] = state;
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
            var entries = new List<StoredEntry>(Math.Min(rows.Count + rejections.Count, options.WriteBatchRows));
            var inThisCall = new HashSet<long>();
            int newRows = 0, newRejections = 0;
            foreach (var entry in rows.Select(RowEntry).Concat(rejections.Select(rejection => RejectedEntry(datasetId, rejection))))
            {
                var number = entry.RowNumber!.Value;
                if (state.RowNumbers.Contains(number) || !inThisCall.Add(number))
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
            if (state.ExpectedRows == expectedRows)
            {
                return;
            }

            await WriteBatchAsync(state, [new StoredEntry { Kind = EntryKind.End, DatasetId = datasetId, ExpectedRows = expectedRows }], cancellationToken)
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
            if (state.Schema is not null && JsonSerializer.Serialize(state.Schema, JsonOptions) == JsonSerializer.Serialize(schema, JsonOptions))
            {
                return;
            }

            await WriteBatchAsync(state, [new StoredEntry { Kind = EntryKind.Schema, DatasetId = datasetId, Schema = schema }], cancellationToken)
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
        DatasetState? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.Progress() ?? new DatasetProgress(datasetId, 0, 0, null);
    }

    public bool IsComplete(string datasetId) => GetProgress(datasetId).IsComplete;

    public DatasetSchema? GetSchema(string datasetId)
    {
        DatasetState? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.CurrentSchema();
    }

    /// <summary>How many separate row-number ranges the dataset's index holds (1 when rows arrived in order): its memory cost.</summary>
    public int IndexedRangeCount(string datasetId)
    {
        DatasetState? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        return state?.IndexedRangeCount() ?? 0;
    }

    /// <summary>
    /// Streams the accepted rows of one dataset in arrival order, as of the call: only the bytes of batches whose
    /// write had completed are read, so a batch being written meanwhile is never seen half-way (a reader could
    /// otherwise meet its torn tail and then, re-reading, the rest of that line).
    /// </summary>
    public async IAsyncEnumerable<ProcessedRow> ReadRowsAsync(string datasetId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = PathFor(datasetId);
        DatasetState? state;
        lock (datasets)
        {
            datasets.TryGetValue(datasetId, out state);
        }

        if (state is null || !File.Exists(path))
        {
            yield break;
        }

        var committed = state.CommittedLength();
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(new PrefixReadStream(file, committed), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!TryParse(line, out var entry))
            {
                // Every committed byte belongs to a whole line: a bad one is corruption, never a write in progress.
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
        List<DatasetState> all;
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
                if (state.Writer is not null)
                {
                    await state.Writer.DisposeAsync().ConfigureAwait(false);
                    state.Writer = null;
                }
            }
            finally
            {
                state.WriteGate.Release();
            }
        }
    }

    private static StoredEntry RowEntry(ProcessedRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new StoredEntry { Kind = EntryKind.Row, DatasetId = row.DatasetId, RowNumber = row.RowNumber, Row = row };
    }

    private static StoredEntry RejectedEntry(string datasetId, RowRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new StoredEntry { Kind = EntryKind.Rejected, DatasetId = datasetId, RowNumber = rejection.RowNumber, Reason = rejection.Reason };
    }

    /// <summary>
    /// Appends <paramref name="entries"/> as one buffer of lines with one write and one flush, then (only then) adds them
    /// to the index, so the index never claims a row the file lacks. The caller holds the dataset's write lock.
    /// </summary>
    private async Task<StoredRowCounts> WriteBatchAsync(DatasetState state, IReadOnlyList<StoredEntry> entries, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(entries.Count * 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            foreach (var entry in entries)
            {
                WriteEntry(json, entry);
                json.Flush();
                buffer.GetSpan(1)[0] = (byte)'\n';
                buffer.Advance(1);
                json.Reset(buffer);
            }
        }

        state.Writer ??= new FileStream(PathFor(state.DatasetId), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);
        var lengthBefore = state.Writer.Position;
        try
        {
            // One write call per batch: a concurrent reader sees whole lines and at most one partial last line.
            await state.Writer.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await state.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (options.FlushToDisk)
            {
                state.Writer.Flush(flushToDisk: true);
            }
        }
        catch (Exception)
        {
            // Whatever part of the batch reached the file is cut off again, so the file keeps matching the index
            // (and a retry does not leave the same row twice in the file).
            await CutBackAsync(state, lengthBefore).ConfigureAwait(false);
            throw;
        }

        return state.Apply(entries, committedLength: state.Writer.Position);
    }

    /// <summary>
    /// One line's JSON. Rows and rejections, one per CSV record, are written by hand: the reflection serializer cost
    /// more CPU per row than cleaning the row did (docs/benchmarks.md, `ingest`). The bytes are exactly what
    /// <c>JsonSerializer.Serialize(entry, JsonOptions)</c> writes, which stays the path for the rare end and schema
    /// lines and the reader's format (TrainingDataStoreLineFormatTests compare both byte for byte).
    /// </summary>
    private static void WriteEntry(Utf8JsonWriter json, StoredEntry entry)
    {
        switch (entry)
        {
            case { Kind: EntryKind.Row, RowNumber: { } rowNumber, Row: { } row, Reason: null, ExpectedRows: null, Schema: null }:
                json.WriteStartObject();
                json.WriteString("kind"u8, "Row"u8);
                json.WriteString("dataset_id"u8, entry.DatasetId);
                json.WriteNumber("row_number"u8, rowNumber);
                json.WritePropertyName("row"u8);
                WriteRow(json, row);
                json.WriteEndObject();
                break;
            case { Kind: EntryKind.Rejected, RowNumber: { } rejectedNumber, Row: null, Reason: { } reason, ExpectedRows: null, Schema: null }:
                json.WriteStartObject();
                json.WriteString("kind"u8, "Rejected"u8);
                json.WriteString("dataset_id"u8, entry.DatasetId);
                json.WriteNumber("row_number"u8, rejectedNumber);
                json.WriteString("reason"u8, reason);
                json.WriteEndObject();
                break;
            default:
                JsonSerializer.Serialize(json, entry, JsonOptions);
                break;
        }
    }

    /// <summary>
    /// A <see cref="ProcessedRow"/> as <see cref="JsonOptions"/> writes it: snake_case in record order, null members left
    /// out, dictionary keys as they are, null dictionary values kept, and a non-finite number refused (ArgumentException)
    /// as the serializer refuses it, since these options do not allow named float literals.
    /// </summary>
    private static void WriteRow(Utf8JsonWriter json, ProcessedRow row)
    {
        json.WriteStartObject();
        if (row.DatasetId is not null)
        {
            json.WriteString("dataset_id"u8, row.DatasetId);
        }

        json.WriteNumber("row_number"u8, row.RowNumber);
        if (row.Numeric is not null)
        {
            json.WritePropertyName("numeric"u8);
            json.WriteStartObject();
            foreach (var (name, number) in row.Numeric)
            {
                json.WriteNumber(name, number);
            }

            json.WriteEndObject();
        }

        if (row.Categorical is not null)
        {
            json.WritePropertyName("categorical"u8);
            json.WriteStartObject();
            foreach (var (name, text) in row.Categorical)
            {
                json.WriteString(name, text);
            }

            json.WriteEndObject();
        }

        json.WriteNumber("label"u8, row.Label);
        if (row.LabelText is not null)
        {
            json.WriteString("label_text"u8, row.LabelText);
        }

        json.WriteEndObject();
    }

    private async Task CutBackAsync(DatasetState state, long length)
    {
        if (state.Writer is { } writer)
        {
            state.Writer = null;
            try
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The buffered bytes that failed to write are exactly what is being cut off below.
            }
        }

        await using var truncate = new FileStream(PathFor(state.DatasetId), FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete);
        truncate.SetLength(Math.Min(length, truncate.Length));
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
                        state.Apply([entry], committedLength: 0);
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

        state?.Commit(goodLength);
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

    /// <summary>
    /// The in-memory index of one dataset file. Its write lock (<see cref="WriteGate"/>) serialises the file's writer
    /// and the row-number set; the counters, end and schema are also read by other threads, so they change and are
    /// read under a lock on this object (a snapshot never mixes two batches).
    /// </summary>
    private sealed class DatasetState(string datasetId)
    {
        private readonly Lock sync = new();
        private long acceptedRows;
        private long rejectedRows;
        private long? expectedRows;
        private DatasetSchema? schema;
        private long committedLength;

        public string DatasetId { get; } = datasetId;

        public SemaphoreSlim WriteGate { get; } = new(1, 1);

        /// <summary>Stored row numbers, accepted and rejected alike; only the holder of <see cref="WriteGate"/> touches it.</summary>
        public RowNumberSet RowNumbers { get; } = new();

        public FileStream? Writer { get; set; }

        // Read by the writer under WriteGate; written only inside Apply.
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
        public StoredRowCounts Apply(IReadOnlyList<StoredEntry> entries, long committedLength)
        {
            int newRows = 0, newRejections = 0;
            lock (sync)
            {
                this.committedLength = Math.Max(this.committedLength, committedLength);
                foreach (var entry in entries)
                {
                    switch (entry.Kind)
                    {
                        case EntryKind.Row when entry.RowNumber is { } number && RowNumbers.Add(number):
                            acceptedRows++;
                            newRows++;
                            break;
                        case EntryKind.Rejected when entry.RowNumber is { } number && RowNumbers.Add(number):
                            rejectedRows++;
                            newRejections++;
                            break;
                        case EntryKind.End:
                            expectedRows = entry.ExpectedRows;
                            break;
                        case EntryKind.Schema:
                            schema = entry.Schema;
                            break;
                    }
                }
            }

            return new StoredRowCounts(newRows, newRejections);
        }
    }

    /// <summary>Reads the first <c>length</c> bytes of a stream and then reports its end; disposes the stream.</summary>
    private sealed class PrefixReadStream(Stream inner, long length) : Stream
    {
        private long remaining = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
            remaining -= read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, remaining)], cancellationToken).ConfigureAwait(false);
            remaining -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
            // Read-only: nothing to flush.
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
