using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The JSON envelope every pipeline topic carries (ARCHITECTURE.md "Wire contract").
/// Build one with <see cref="KafkaMessageFactory"/> so the id and timestamp are always fresh.
/// </summary>
public sealed record KafkaMessage
{
    private readonly EnvelopeMetadata metadata = new();

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

    [JsonPropertyName("data")]
    public required JsonObject Data { get; init; }

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
}
