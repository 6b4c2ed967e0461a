using System.Runtime.CompilerServices;
using CsvHelper;

namespace MlPipeline.Core.Data;

/// <summary>
/// Streams a CSV file record by record. Memory stays flat whatever the file size: CsvHelper reads
/// through a fixed buffer and each row is copied out before the next read. Quoting follows RFC 4180
/// (separators and line breaks inside quotes), CRLF and LF both end records, a UTF-8 BOM is skipped.
/// A record whose field count differs from the header is yielded with <see cref="CsvRow.Error"/> set
/// instead of throwing, so one bad line does not stop an ingestion.
/// </summary>
public sealed class CsvRowStream(CsvStreamOptions options)
{
    public CsvRowStream() : this(new CsvStreamOptions())
    {
    }

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public async IAsyncEnumerable<CsvRow> ReadFileAsync(
        string path,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            await foreach (var row in ReadAsync(file, cancellationToken).ConfigureAwait(false))
            {
                yield return row;
            }
        }
    }

    /// <summary>Reads <paramref name="stream"/> from its current position; the caller keeps ownership of the stream.</summary>
    public async IAsyncEnumerable<CsvRow> ReadAsync(
        Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var readerOptions = CsvReaderOptions.Default with
        {
            Separator = options.Separator,
            HasHeader = true,
            // Ragged rows are our concern, not the parser's: we report them per row.
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            MaxRecordSize = options.MaxRecordBytes,
            DetectSeparatorHint = false,
        };
        var reader = CsvReader.Create(stream, readerOptions, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            var header = BuildHeader(reader.Headers);
            if (header.Columns.Count == 0)
            {
                yield break;
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return CopyRow(reader, header);
            }
        }
    }

    private static CsvRow CopyRow(CsvReader reader, CsvHeader header)
    {
        var fieldCount = reader.FieldCount;
        var columnCount = header.Columns.Count;
        var values = new Dictionary<string, string>(Math.Min(fieldCount, columnCount), StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(fieldCount, columnCount); i++)
        {
            values[header.Columns[i]] = reader.GetString(i);
        }

        var error = fieldCount == columnCount
            ? null
            : $"row has {fieldCount} columns, header has {columnCount}";
        return new CsvRow(reader.RowNumber, header, values, fieldCount, error);
    }

    private CsvHeader BuildHeader(IReadOnlyList<string> rawNames)
    {
        var names = new List<string>(rawNames.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? indexColumn = null;
        for (var i = 0; i < rawNames.Count; i++)
        {
            var name = rawNames[i].Trim();
            if (name.Length == 0)
            {
                // Only the first unnamed column is an index (pandas writes it first); others get a position name.
                name = i == 0 ? options.IndexColumnName : $"column_{i + 1}";
                if (i == 0)
                {
                    indexColumn = name;
                }
            }

            // Duplicate names would make the by-name dictionary lose a value; keep both, distinguishable.
            var unique = name;
            for (var suffix = 2; !seen.Add(unique); suffix++)
            {
                unique = $"{name}_{suffix}";
            }

            names.Add(unique);
        }

        return new CsvHeader(names, indexColumn);
    }
}
