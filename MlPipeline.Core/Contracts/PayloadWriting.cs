using System.Text.Json;

namespace MlPipeline.Core.Contracts;

/// <summary>Writes values the way the generated serializer with <see cref="ContractJson.CreateOptions"/> does.</summary>
internal static class PayloadWriting
{
    /// <summary>A number, or for NaN and the infinities the string literal AllowNamedFloatingPointLiterals writes.</summary>
    public static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else if (double.IsNaN(value))
        {
            writer.WriteStringValue("NaN"u8);
        }
        else
        {
            writer.WriteStringValue(double.IsPositiveInfinity(value) ? "Infinity"u8 : "-Infinity"u8);
        }
    }

    /// <summary>Keys as written (DictionaryKeyPolicy is null); a null value is written, not left out.</summary>
    public static void WriteStringDictionary(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> values)
    {
        writer.WriteStartObject();
        foreach (var (name, text) in values)
        {
            writer.WriteString(name, text);
        }

        writer.WriteEndObject();
    }
}
