using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// <c>data</c> as the UTF-8 JSON text of a consumed envelope, already checked to be one well-formed object. Reading a
/// typed payload deserializes this text directly; forwarding the envelope copies it verbatim.
/// </summary>
internal sealed class Utf8EnvelopeData(ReadOnlyMemory<byte> utf8Json) : EnvelopeData
{
    protected override JsonObject CreateNode() => JsonNode.Parse(utf8Json.Span)!.AsObject();

    // The text came out of a validating reader as one complete object, so checking it again would only cost time.
    protected override void WriteOriginal(Utf8JsonWriter writer) => writer.WriteRawValue(utf8Json.Span, skipInputValidation: true);

    protected override T? ReadOriginal<T>(JsonTypeInfo<T> typeInfo) where T : default => JsonSerializer.Deserialize(utf8Json.Span, typeInfo);
}
