using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// <c>data</c> as a typed payload, serialized straight into the envelope's bytes when the envelope is serialized
/// (no intermediate DOM). <paramref name="typeInfo"/> must describe a JSON object (checked by the factory).
/// </summary>
internal sealed class TypedEnvelopeData<TPayload>(TPayload payload, JsonTypeInfo<TPayload> typeInfo) : EnvelopeData
{
    protected override JsonObject CreateNode() =>
        JsonSerializer.SerializeToNode(payload, typeInfo) as JsonObject
        ?? throw new InvalidOperationException($"A {typeof(TPayload).Name} payload did not serialize to a JSON object.");

    protected override void WriteOriginal(Utf8JsonWriter writer) => JsonSerializer.Serialize(writer, payload, typeInfo);

    // Rare (a producer reading back its own message); going through bytes keeps the result identical to a consumer's.
    protected override T? ReadOriginal<T>(JsonTypeInfo<T> readAs) where T : default =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(payload, typeInfo), readAs);
}
