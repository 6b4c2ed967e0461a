using MlPipeline.Core.Data;

namespace MlPipeline.Core.Contracts;

/// <summary>The <c>data.kind</c> values of RAW_DATA and PROCESSED_DATA envelopes (docs/topics.md).</summary>
public static class DatasetMessageKinds
{
    public const string DatasetStart = "dataset_start";
    public const string Rows = "rows";
    public const string DatasetEnd = "dataset_end";

    /// <summary>A dead-lettered row (the value written to the dead-letter topic by processing).</summary>
    public const string RejectedRow = "rejected_row";
}

/// <summary>One CSV record as ingestion sends it: raw text by column, plus the reader's error for a malformed record.</summary>
public sealed record RawRow(long RowNumber, IReadOnlyDictionary<string, string> Values, string? Error);

/// <summary>
/// <c>data</c> of a RAW_DATA message. Every message carries the dataset's schema and model so processing is
/// stateless per message: a restart (or another host taking the partition over) needs nothing remembered.
/// </summary>
/// <param name="Kind">dataset_start, rows or dataset_end.</param>
/// <param name="RowCount">dataset_end: how many CSV records the dataset has (accepted + rejected downstream).</param>
public sealed record RawDataPayload(
    string Kind,
    string DatasetId,
    string Model,
    DatasetSchema Schema,
    IReadOnlyList<RawRow>? Rows = null,
    long? RowCount = null,
    string? FileName = null);

/// <summary>A row processing refused, forwarded so training can count the dataset complete.</summary>
public sealed record RowRejection(long RowNumber, string Reason);

/// <summary><c>data</c> of a PROCESSED_DATA message: accepted rows and rejection notices of one chunk, or the dataset end.</summary>
public sealed record ProcessedDataPayload(
    string Kind,
    string DatasetId,
    string Model,
    DatasetSchema Schema,
    IReadOnlyList<ProcessedRow>? Rows = null,
    IReadOnlyList<RowRejection>? Rejected = null,
    long? RowCount = null);

/// <summary>The value of a dead-lettered row: where it came from, its raw values and why it was refused.</summary>
public sealed record RejectedRowPayload(string Kind, string DatasetId, long RowNumber, IReadOnlyDictionary<string, string> Values, string Reason);
