using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// Reads a well-formed envelope in one forward pass over its bytes: the header fields are decoded, <c>data</c> is
/// only checked for well-formedness and kept as a UTF-8 slice (see <see cref="Utf8EnvelopeData"/>), no DOM is built.
/// It accepts a subset of what the contract allows: whenever it is unsure (a field missing or of the wrong type,
/// a duplicate field, bad JSON) it declines and <see cref="KafkaMessageSerializer"/> takes the slow path, which
/// produces the operator-facing rejection reason. So reasons stay exactly what they always were.
/// </summary>
internal static class KafkaMessageReader
{
    public static bool TryRead(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out KafkaMessage? message)
    {
        try
        {
            return TryReadObject(payload, out message);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // JsonException: not JSON, or metadata not a string-keyed object. InvalidOperationException: a string that
            // is not valid UTF-8. Either way the slow path decides, with a reason.
            message = null;
            return false;
        }
    }

    private static bool TryReadObject(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out KafkaMessage? message)
    {
        message = null;
        // Default options, like the DOM parser of the slow path: no comments, no trailing commas, depth 64.
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? messageId = null, source = null;
        MessageType? messageType = null;
        DateTimeOffset? timestamp = null;
        ReadOnlySpan<byte> data = default;
        EnvelopeMetadata? metadata = null;
        bool sawData = false, sawMetadata = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message_id"u8))
            {
                if (messageId is not null || !TryReadString(ref reader, out messageId) || string.IsNullOrWhiteSpace(messageId))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("message_type"u8))
            {
                if (messageType is not null || !TryReadString(ref reader, out var name) || !MessageTypeWireNames.TryParse(name, out messageType))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                if (timestamp is not null || !TryReadString(ref reader, out var text) || !UtcTimestampJsonConverter.TryParse(text, out var parsed))
                {
                    return false;
                }

                timestamp = parsed;
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                if (source is not null || !TryReadString(ref reader, out source))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                if (sawData || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                sawData = true;
                var start = (int)reader.TokenStartIndex;
                // Skip walks (and so checks) the whole object without materializing anything.
                reader.Skip();
                data = payload[start..(int)reader.BytesConsumed];
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                if (sawMetadata || !reader.Read())
                {
                    return false;
                }

                sawMetadata = true;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    metadata = JsonSerializer.Deserialize(ref reader, KafkaMessageJsonContext.Default.EnvelopeMetadata);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                // Fields the contract does not name are ignored, as by the slow path.
                reader.Skip();
            }
        }

        // After the closing brace only whitespace may follow; Read throws on anything else.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false;
        }

        if (messageId is null || messageType is null || timestamp is null || source is null || !sawData)
        {
            return false;
        }

        // The consumer's buffer is not ours to keep, so data gets its own copy.
        message = new KafkaMessage(
            messageId, messageType.Value, timestamp.Value, source, new Utf8EnvelopeData(data.ToArray()), metadata ?? new EnvelopeMetadata());
        return true;
    }

    private static bool TryReadString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        value = reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return value is not null;
    }
}
