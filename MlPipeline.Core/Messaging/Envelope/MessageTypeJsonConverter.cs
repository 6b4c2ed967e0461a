using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>Writes and reads <see cref="MessageType"/> by its wire name only (never the enum's number).</summary>
internal sealed class MessageTypeJsonConverter : JsonConverter<MessageType>
{
    public override MessageType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return MessageTypeWireNames.TryParse(name, out var type)
            ? type.Value
            : throw new JsonException($"unknown message_type '{name}'");
    }

    public override void Write(Utf8JsonWriter writer, MessageType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWireName());
}
