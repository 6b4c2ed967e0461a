using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The <c>data</c> object of an envelope in the form it arrived: a <see cref="JsonObject"/> someone built, the UTF-8
/// text of a consumed message, or a typed payload not serialized yet. The DOM is built only when someone asks for
/// <see cref="KafkaMessage.Data"/>; the hot paths read and write the original form straight from and to bytes.
/// Once the DOM exists it is the truth from then on, because its owner may have changed it.
/// </summary>
internal abstract class EnvelopeData
{
    private JsonObject? node;

    /// <summary>The data as a DOM, built once; every caller gets the same instance.</summary>
    public JsonObject Node
    {
        get
        {
            if (Volatile.Read(ref node) is { } existing)
            {
                return existing;
            }

            // Two threads may build it at once; only one result may win, since callers mutate what they get.
            var built = CreateNode();
            return Interlocked.CompareExchange(ref node, built, null) ?? built;
        }
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (Volatile.Read(ref node) is { } materialized)
        {
            materialized.WriteTo(writer);
        }
        else
        {
            WriteOriginal(writer);
        }
    }

    /// <exception cref="JsonException">The data is not a <typeparamref name="T"/>.</exception>
    public T Read<T>(JsonTypeInfo<T> typeInfo)
    {
        var value = Volatile.Read(ref node) is { } materialized ? materialized.Deserialize(typeInfo) : ReadOriginal(typeInfo);
        return value ?? throw new JsonException($"data is not a {typeof(T).Name}.");
    }

    protected abstract JsonObject CreateNode();

    protected abstract void WriteOriginal(Utf8JsonWriter writer);

    protected abstract T? ReadOriginal<T>(JsonTypeInfo<T> typeInfo);
}

/// <summary><c>data</c> given as a DOM (the <see cref="KafkaMessage.Data"/> initializer).</summary>
internal sealed class NodeEnvelopeData(JsonObject data) : EnvelopeData
{
    protected override JsonObject CreateNode() => data;

    protected override void WriteOriginal(Utf8JsonWriter writer) => data.WriteTo(writer);

    protected override T? ReadOriginal<T>(JsonTypeInfo<T> typeInfo) where T : default => data.Deserialize(typeInfo);
}
