using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// ISO-8601 in UTC with a <c>Z</c> suffix on write. On read a timestamp without an offset is taken as UTC,
/// because Python's <c>datetime.utcnow().isoformat()</c> (the original producers) writes none.
/// </summary>
internal sealed class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    private const string WriteFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return TryParse(text, out var timestamp)
            ? timestamp
            : throw new JsonException($"timestamp '{text}' is not an ISO-8601 date and time");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    /// <summary>The one reading rule, shared with the envelope's single-pass reader.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out DateTimeOffset timestamp) =>
        DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out timestamp);

    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(WriteFormat, CultureInfo.InvariantCulture);
}
