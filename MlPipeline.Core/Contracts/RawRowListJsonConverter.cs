using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// Reads the <c>rows</c> of a RAW_DATA chunk without allocating each column name once per row (see
/// <see cref="RepeatedNameCache"/>) and with each row's dictionary sized once. Same wire shape and same result as the
/// generated code, in both directions.
/// </summary>
internal sealed class RawRowListJsonConverter : JsonConverter<IReadOnlyList<RawRow>>
{
    public override IReadOnlyList<RawRow> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        PayloadReading.Expect(ref reader, JsonTokenType.StartArray, "rows");
        var rows = new List<RawRow>();
        var names = new RepeatedNameCache();
        var values = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            rows.Add(reader.TokenType == JsonTokenType.Null ? null! : ReadRow(ref reader, names, values));
        }

        return rows;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<RawRow> value, JsonSerializerOptions options)
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

            writer.WriteStartObject();
            writer.WriteNumber("row_number"u8, row.RowNumber);
            if (row.Values is not null)
            {
                writer.WritePropertyName("values"u8);
                PayloadWriting.WriteStringDictionary(writer, row.Values);
            }

            if (row.Error is not null)
            {
                writer.WriteString("error"u8, row.Error);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static RawRow ReadRow(ref Utf8JsonReader reader, RepeatedNameCache names, List<KeyValuePair<string, string>> values)
    {
        PayloadReading.Expect(ref reader, JsonTokenType.StartObject, "a row");
        long rowNumber = 0;
        Dictionary<string, string>? rowValues = null;
        string? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("row_number"u8))
            {
                reader.Read();
                rowNumber = PayloadReading.ReadInt64(ref reader, "row_number");
            }
            else if (reader.ValueTextEquals("values"u8))
            {
                reader.Read();
                rowValues = PayloadReading.ReadStringDictionary(ref reader, names, values);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = PayloadReading.ReadNullableString(ref reader, "error");
            }
            else
            {
                reader.Skip();
            }
        }

        return new RawRow(rowNumber, rowValues!, error);
    }
}
