using System.Text.Json;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// Token-level reads shared by the row converters, each failing with a <see cref="JsonException"/> where the generated
/// reader would (wrong token type, number out of range), and reading named float literals as
/// <see cref="ContractJson.CreateOptions"/> allows.
/// </summary>
internal static class PayloadReading
{
    public static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string what)
    {
        if (reader.TokenType != expected)
        {
            throw new JsonException($"{what}: expected {expected}, found {reader.TokenType}.");
        }
    }

    public static long ReadInt64(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new JsonException($"{what}: expected an integer, found {reader.TokenType}.");

    public static double ReadDouble(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number))
        {
            return number;
        }

        // AllowNamedFloatingPointLiterals: exactly these three spellings, as strings.
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("NaN"u8))
            {
                return double.NaN;
            }

            if (reader.ValueTextEquals("Infinity"u8))
            {
                return double.PositiveInfinity;
            }

            if (reader.ValueTextEquals("-Infinity"u8))
            {
                return double.NegativeInfinity;
            }
        }

        throw new JsonException($"{what}: expected a number, found {reader.TokenType}.");
    }

    public static string? ReadNullableString(ref Utf8JsonReader reader, string what) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"{what}: expected a string, found {reader.TokenType}."),
    };

    /// <summary>A name → text object; names through <paramref name="names"/>, entries gathered in <paramref name="scratch"/> first so the dictionary is sized once.</summary>
    public static Dictionary<string, string>? ReadStringDictionary(
        ref Utf8JsonReader reader, RepeatedNameCache names, List<KeyValuePair<string, string>> scratch)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject, "values");
        scratch.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = names.Get(ref reader);
            reader.Read();
            scratch.Add(KeyValuePair.Create(name, ReadNullableString(ref reader, name)!));
        }

        var dictionary = new Dictionary<string, string>(scratch.Count);
        foreach (var (name, value) in scratch)
        {
            // Last one wins on a repeated name, as with the generated reader.
            dictionary[name] = value;
        }

        return dictionary;
    }

    /// <summary>A name → number object, as <see cref="ReadStringDictionary"/>.</summary>
    public static Dictionary<string, double>? ReadDoubleDictionary(
        ref Utf8JsonReader reader, RepeatedNameCache names, List<KeyValuePair<string, double>> scratch)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject, "numeric");
        scratch.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = names.Get(ref reader);
            reader.Read();
            scratch.Add(KeyValuePair.Create(name, ReadDouble(ref reader, name)));
        }

        var dictionary = new Dictionary<string, double>(scratch.Count);
        foreach (var (name, value) in scratch)
        {
            dictionary[name] = value;
        }

        return dictionary;
    }
}
