namespace MlPipeline.Core.Data;

/// <summary>
/// The column names of a CSV file as the pipeline uses them. An empty first header cell (pandas'
/// <c>to_csv</c> index) is renamed and remembered in <see cref="IndexColumn"/> so schema inference
/// can leave it out of the features.
/// </summary>
public sealed record CsvHeader(IReadOnlyList<string> Columns, string? IndexColumn);

/// <summary>
/// One data record of a CSV file. <see cref="RowNumber"/> is 1-based and counts data records only
/// (not the header, not lines inside quoted fields), so it is stable across re-reads of the same
/// file and can key idempotent handling downstream.
/// </summary>
/// <param name="RowNumber">1-based number of the data record.</param>
/// <param name="Header">The header shared by every row of the file.</param>
/// <param name="Values">Field values keyed by column name; a short row only has the columns it reached.</param>
/// <param name="FieldCount">How many fields the record really had.</param>
/// <param name="Error">Why the row is malformed (e.g. wrong column count), or null for a well-formed row.</param>
public sealed record CsvRow(
    long RowNumber,
    CsvHeader Header,
    IReadOnlyDictionary<string, string> Values,
    int FieldCount,
    string? Error)
{
    /// <summary>True when the row matched the header; a malformed row is yielded so the caller can dead-letter it.</summary>
    public bool IsWellFormed => Error is null;
}
