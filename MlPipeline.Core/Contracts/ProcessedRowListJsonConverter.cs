using System.Text.Json;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// Reads the <c>rows</c> of a PROCESSED_DATA chunk without allocating feature names and the dataset id once per row
/// (see <see cref="RepeatedNameCache"/>) and with each row's dictionaries sized once. Same wire shape and same result
/// as the generated code, in both directions.
/// </summary>
internal sealed class ProcessedRowListJsonConverter : JsonConverter<IReadOnlyList<ProcessedRow>>
{
    public override IReadOnlyList<ProcessedRow> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        PayloadReading.Expect(ref reader, JsonTokenType.StartArray, "rows");
        var rows = new List<ProcessedRow>();
        var names = new RepeatedNameCache();
        var numeric = new List<KeyValuePair<string, double>>();
        var categorical = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            rows.Add(reader.TokenType == JsonTokenType.Null ? null! : ReadRow(ref reader, names, numeric, categorical));
        }

        return rows;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<ProcessedRow> value, JsonSerializerOptions options)
    {
        // By hand rather than a serializer call per row (which allocates per call); the output is the generated one's,
        // field for field: snake_case in record order, nulls left out.
        writer.WriteStartArray();
        foreach (var row in value)
        {
            if (row is null)
            {
                writer.WriteNullValue();
                continue;
            }

            WriteRow(writer, row);
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// One row: snake_case in record order, null members left out, feature names as written, null categorical values
    /// kept, NaN and the infinities as the named literals. The training data store writes its rows with this too.
    /// </summary>
    internal static void WriteRow(Utf8JsonWriter writer, ProcessedRow row)
    {
        writer.WriteStartObject();
        if (row.DatasetId is not null)
        {
            writer.WriteString("dataset_id"u8, row.DatasetId);
        }

        writer.WriteNumber("row_number"u8, row.RowNumber);
        if (row.Numeric is not null)
        {
            writer.WritePropertyName("numeric"u8);
            writer.WriteStartObject();
            foreach (var (name, number) in row.Numeric)
            {
                writer.WritePropertyName(name);
                PayloadWriting.WriteDouble(writer, number);
            }

            writer.WriteEndObject();
        }

        if (row.Categorical is not null)
        {
            writer.WritePropertyName("categorical"u8);
            PayloadWriting.WriteStringDictionary(writer, row.Categorical);
        }

        writer.WritePropertyName("label"u8);
        PayloadWriting.WriteDouble(writer, row.Label);
        if (row.LabelText is not null)
        {
            writer.WriteString("label_text"u8, row.LabelText);
        }

        writer.WriteEndObject();
    }

    private static ProcessedRow ReadRow(
        ref Utf8JsonReader reader,
        RepeatedNameCache names,
        List<KeyValuePair<string, double>> numericScratch,
        List<KeyValuePair<string, string>> categoricalScratch)
    {
        PayloadReading.Expect(ref reader, JsonTokenType.StartObject, "a row");
        string? datasetId = null;
        long rowNumber = 0;
        Dictionary<string, double>? numeric = null;
        Dictionary<string, string>? categorical = null;
        double label = 0;
        string? labelText = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dataset_id"u8))
            {
                reader.Read();
                // Every row of a chunk names the same dataset.
                datasetId = reader.TokenType == JsonTokenType.String ? names.Get(ref reader) : PayloadReading.ReadNullableString(ref reader, "dataset_id");
            }
            else if (reader.ValueTextEquals("row_number"u8))
            {
                reader.Read();
                rowNumber = PayloadReading.ReadInt64(ref reader, "row_number");
            }
            else if (reader.ValueTextEquals("numeric"u8))
            {
                reader.Read();
                numeric = PayloadReading.ReadDoubleDictionary(ref reader, names, numericScratch);
            }
            else if (reader.ValueTextEquals("categorical"u8))
            {
                reader.Read();
                categorical = PayloadReading.ReadStringDictionary(ref reader, names, categoricalScratch);
            }
            else if (reader.ValueTextEquals("label"u8))
            {
                reader.Read();
                label = PayloadReading.ReadDouble(ref reader, "label");
            }
            else if (reader.ValueTextEquals("label_text"u8))
            {
                reader.Read();
                labelText = PayloadReading.ReadNullableString(ref reader, "label_text");
            }
            else
            {
                reader.Skip();
            }
        }

        return new ProcessedRow(datasetId!, rowNumber, numeric!, categorical!, label, labelText);
    }
}
