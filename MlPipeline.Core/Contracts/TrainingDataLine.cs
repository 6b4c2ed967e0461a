using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Contracts;

/// <summary>What one line of a training data file records.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingDataLineKind>))]
public enum TrainingDataLineKind
{
    /// <summary>An accepted row (<see cref="TrainingDataLine.Row"/>).</summary>
    Row,

    /// <summary>A row processing refused (<see cref="TrainingDataLine.Reason"/>): it counts toward completeness.</summary>
    Rejected,

    /// <summary>The dataset's end marker (<see cref="TrainingDataLine.ExpectedRows"/>).</summary>
    End,

    /// <summary>The dataset's schema (<see cref="TrainingDataLine.Schema"/>).</summary>
    Schema,
}

/// <summary>
/// One line of a dataset's file in the training data store (JSON lines, one file per dataset). The row inside is the
/// <see cref="ProcessedRow"/> of the <c>processed_data</c> topic, written the same way (<see cref="TrainingDataLineCodec"/>).
/// </summary>
public sealed record TrainingDataLine
{
    public TrainingDataLineKind Kind { get; init; }

    public string DatasetId { get; init; } = string.Empty;

    public long? RowNumber { get; init; }

    public ProcessedRow? Row { get; init; }

    public string? Reason { get; init; }

    public long? ExpectedRows { get; init; }

    public DatasetSchema? Schema { get; init; }
}

/// <summary>
/// Writes and reads <see cref="TrainingDataLine"/>s. Rows and rejections, one per CSV record, are written by hand: the
/// serializer cost more CPU per row than cleaning the row did (docs/benchmarks.md, <c>ingest</c>). The bytes are exactly
/// what the generated serializer writes (TrainingDataLineCodecTests compare both), which stays the path for the rare
/// end and schema lines and for reading.
/// </summary>
public static class TrainingDataLineCodec
{
    /// <summary>One line's JSON object (without the line feed).</summary>
    public static void Write(Utf8JsonWriter json, TrainingDataLine line)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(line);
        switch (line)
        {
            case { Kind: TrainingDataLineKind.Row, RowNumber: { } rowNumber, Row: { } row, Reason: null, ExpectedRows: null, Schema: null }:
                json.WriteStartObject();
                json.WriteString("kind"u8, "Row"u8);
                json.WriteString("dataset_id"u8, line.DatasetId);
                json.WriteNumber("row_number"u8, rowNumber);
                json.WritePropertyName("row"u8);
                ProcessedRowListJsonConverter.WriteRow(json, row);
                json.WriteEndObject();
                break;
            case { Kind: TrainingDataLineKind.Rejected, RowNumber: { } rejectedNumber, Row: null, Reason: { } reason, ExpectedRows: null, Schema: null }:
                json.WriteStartObject();
                json.WriteString("kind"u8, "Rejected"u8);
                json.WriteString("dataset_id"u8, line.DatasetId);
                json.WriteNumber("row_number"u8, rejectedNumber);
                json.WriteString("reason"u8, reason);
                json.WriteEndObject();
                break;
            default:
                JsonSerializer.Serialize(json, line, ContractJson.TrainingDataLine);
                break;
        }
    }

    /// <summary>Reads one line; false for a blank line, a line that is not JSON of a line, or one without a dataset id.</summary>
    public static bool TryRead(string text, out TrainingDataLine line)
    {
        line = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            line = JsonSerializer.Deserialize(text, ContractJson.TrainingDataLine)!;
            return line is not null && !string.IsNullOrEmpty(line.DatasetId);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Two schemas are the same when they write the same JSON.</summary>
    public static bool SameSchema(DatasetSchema left, DatasetSchema right) =>
        JsonSerializer.Serialize(left, ContractJsonContext.Default.DatasetSchema) == JsonSerializer.Serialize(right, ContractJsonContext.Default.DatasetSchema);
}
