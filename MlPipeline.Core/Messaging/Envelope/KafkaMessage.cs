using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The JSON envelope every pipeline topic carries (ARCHITECTURE.md "Wire contract").
/// Build one with <see cref="KafkaMessageFactory"/> so the id and timestamp are always fresh.
/// </summary>
public sealed record KafkaMessage
{
    private readonly EnvelopeMetadata metadata = new();

    // Kept in the form it came in (DOM, consumed UTF-8 text, typed payload): see EnvelopeData.
    private readonly EnvelopeData data = null!;

    public KafkaMessage()
    {
    }

    /// <summary>An envelope whose <c>data</c> is not a DOM (read from bytes, or a typed payload).</summary>
    /// <remarks>
    /// <see cref="Data"/> is computed from the <c>data</c> field set here; the compiler cannot see through that, hence
    /// the suppression.
    /// </remarks>
#pragma warning disable CS8618
    [SetsRequiredMembers]
    internal KafkaMessage(
        string messageId, MessageType messageType, DateTimeOffset timestamp, string source, EnvelopeData data, EnvelopeMetadata metadata)
    {
        MessageId = messageId;
        MessageType = messageType;
        Timestamp = timestamp;
        Source = source;
        this.data = data;
        this.metadata = metadata;
    }
#pragma warning restore CS8618

    /// <summary>Unique id (a UUID) — replies point at it through <c>metadata.correlation_id</c>.</summary>
    [JsonPropertyName("message_id")]
    public required string MessageId { get; init; }

    [JsonPropertyName("message_type")]
    [JsonConverter(typeof(MessageTypeJsonConverter))]
    public required MessageType MessageType { get; init; }

    /// <summary>When the message was created, always UTC; written as ISO-8601 with a <c>Z</c> suffix.</summary>
    [JsonPropertyName("timestamp")]
    [JsonConverter(typeof(UtcTimestampJsonConverter))]
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The stage or component that produced the message.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>
    /// <c>data</c> as a DOM. Built on first access when the envelope was read from bytes or made from a typed payload,
    /// which costs a full parse: hot paths use <see cref="ReadData{T}"/> instead. Changes to the returned object are
    /// what gets serialized.
    /// </summary>
    [JsonPropertyName("data")]
    public required JsonObject Data
    {
        get => data.Node;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            data = new NodeEnvelopeData(value);
        }
    }

    /// <summary>Never null: an absent or null <c>metadata</c> reads as empty.</summary>
    [JsonPropertyName("metadata")]
    public EnvelopeMetadata Metadata
    {
        get => metadata;

        // The source-generated reader assigns every init property, absent ones as null, so defaulting
        // in an initializer alone is not enough.
        init => metadata = value ?? new EnvelopeMetadata();
    }

    /// <summary>Shortcut for <c>metadata.correlation_id</c>.</summary>
    [JsonIgnore]
    public string? CorrelationId => Metadata.CorrelationId;

    /// <summary>
    /// <c>data</c> as a typed payload, deserialized straight from the consumed bytes (no DOM) unless <see cref="Data"/>
    /// was already built, in which case it is read from that (with any changes made to it).
    /// </summary>
    /// <exception cref="JsonException"><c>data</c> is not a <typeparamref name="T"/>.</exception>
    public T ReadData<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return data.Read(typeInfo);
    }

    /// <summary>Writes <c>data</c> in whatever form it is held, without building a DOM for it.</summary>
    internal void WriteData(Utf8JsonWriter writer) => data.WriteTo(writer);
}
