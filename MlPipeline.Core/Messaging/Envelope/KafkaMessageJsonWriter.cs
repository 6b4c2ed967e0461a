using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// Writes an envelope field by field, the same fields in the same order as the generated serializer did, but with
/// <c>data</c> written in whatever form the message holds it (a typed payload goes straight into the output, a
/// consumed one is copied verbatim), so no DOM is built on the way out. Reading is <see cref="KafkaMessageReader"/>'s job.
/// </summary>
internal sealed class KafkaMessageJsonWriter : JsonConverter<KafkaMessage>
{
    public override KafkaMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Envelopes are read by KafkaMessageSerializer.TryDeserialize.");

    public override void Write(Utf8JsonWriter writer, KafkaMessage value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("message_id"u8, value.MessageId);
        writer.WriteString("message_type"u8, value.MessageType.ToWireName());
        writer.WriteString("timestamp"u8, UtcTimestampJsonConverter.Format(value.Timestamp));
        writer.WriteString("source"u8, value.Source);
        writer.WritePropertyName("data"u8);
        value.WriteData(writer);
        writer.WritePropertyName("metadata"u8);
        JsonSerializer.Serialize(writer, value.Metadata, KafkaMessageJsonContext.Default.EnvelopeMetadata);
        writer.WriteEndObject();
    }
}
