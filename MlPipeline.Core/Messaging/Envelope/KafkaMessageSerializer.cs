using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// Envelope ⇄ UTF-8 JSON bytes. A well-formed envelope is read in one pass without building a DOM
/// (<see cref="KafkaMessageReader"/>); anything else goes through the field-by-field contract check, so a bad payload
/// is rejected with a reason an operator can act on (it ends up in the dead-letter <c>dlq_error</c> header).
/// </summary>
public sealed class KafkaMessageSerializer
{
    // Built from the writer converter so serialization gets System.Text.Json's pooled output buffers. Immutable once used.
    private static readonly JsonTypeInfo<KafkaMessage> WriteTypeInfo = JsonMetadataServices.CreateValueInfo<KafkaMessage>(
        new JsonSerializerOptions { TypeInfoResolver = KafkaMessageJsonContext.Default }, new KafkaMessageJsonWriter());

    public byte[] Serialize(KafkaMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.SerializeToUtf8Bytes(message, WriteTypeInfo);
    }

    /// <exception cref="InvalidEnvelopeException">The payload is not a valid envelope.</exception>
    public KafkaMessage Deserialize(ReadOnlySpan<byte> payload) =>
        TryDeserialize(payload, out var message, out var reason) ? message : throw new InvalidEnvelopeException(reason);

    public bool TryDeserialize(
        ReadOnlySpan<byte> payload,
        [NotNullWhen(true)] out KafkaMessage? message,
        [NotNullWhen(false)] out string? reason)
    {
        reason = null;
        return KafkaMessageReader.TryRead(payload, out message) || TryDeserializeExplained(payload, out message, out reason);
    }

    /// <summary>
    /// The slow path, for what the one-pass reader declined (in practice: invalid envelopes): a DOM, checked field by
    /// field. Its wording is the contract of the <c>dlq_error</c> header, so it is kept as it always was.
    /// </summary>
    private static bool TryDeserializeExplained(
        ReadOnlySpan<byte> payload,
        [NotNullWhen(true)] out KafkaMessage? message,
        [NotNullWhen(false)] out string? reason)
    {
        message = null;
        try
        {
            reason = Validate(payload, out var envelope);
            if (reason is not null)
            {
                return false;
            }

            message = envelope!.Deserialize(KafkaMessageJsonContext.Default.KafkaMessage);
        }
        catch (JsonException exception)
        {
            reason = $"payload is not a valid envelope: {exception.Message}";
            return false;
        }
        catch (ArgumentException exception)
        {
            // JsonNode parses a repeated key without complaint but throws this when the object is first read. Escaping,
            // it would fault the consumer (a bug as far as the subscription can tell), so one such record stopped a stage.
            reason = $"payload is not a valid envelope: duplicate field ({exception.Message})";
            return false;
        }

        if (message is null)
        {
            reason = "payload is JSON null";
            return false;
        }

        return true;
    }

    /// <returns>Null when the payload satisfies the wire contract, otherwise why not.</returns>
    private static string? Validate(ReadOnlySpan<byte> payload, out JsonObject? envelope)
    {
        envelope = null;
        if (payload.IsEmpty)
        {
            return "payload is empty";
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (JsonException exception)
        {
            return $"payload is not JSON: {exception.Message}";
        }

        if (root is not JsonObject body)
        {
            return $"payload is JSON {root?.GetValueKind().ToString() ?? "null"}, not an object";
        }

        var messageId = ReadString(body, "message_id");
        if (string.IsNullOrWhiteSpace(messageId))
        {
            return "missing message_id";
        }

        if (!body.TryGetPropertyValue("message_type", out _))
        {
            return "missing message_type";
        }

        var messageType = ReadString(body, "message_type");
        if (!MessageTypeWireNames.TryParse(messageType, out _))
        {
            return $"unknown message_type '{body["message_type"]?.ToJsonString() ?? "null"}'";
        }

        if (ReadString(body, "timestamp") is null)
        {
            return "missing timestamp";
        }

        if (ReadString(body, "source") is null)
        {
            return "missing source";
        }

        if (body["data"] is not JsonObject)
        {
            return "missing data object";
        }

        if (body.TryGetPropertyValue("metadata", out var metadata) && metadata is not null and not JsonObject)
        {
            return "metadata is not an object";
        }

        envelope = body;
        return null;
    }

    private static string? ReadString(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
