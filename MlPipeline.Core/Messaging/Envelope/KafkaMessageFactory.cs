using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Messaging.Envelope;

/// <summary>
/// The only way pipeline code should build an envelope: every message gets a fresh id and a UTC timestamp
/// from the injected clock, so tests can pin time and replies always point at their request.
/// </summary>
public sealed class KafkaMessageFactory(TimeProvider timeProvider)
{
    public KafkaMessage Create(MessageType type, string source, JsonObject data, EnvelopeMetadata? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(data);
        return Create(type, source, new NodeEnvelopeData(data), metadata);
    }

    /// <summary>
    /// An envelope whose <c>data</c> is <paramref name="payload"/>, serialized with <paramref name="typeInfo"/> straight into
    /// the envelope's bytes when it is sent (no DOM in between). The payload is read at that moment, not now: do not
    /// change it after handing it over.
    /// </summary>
    /// <param name="typeInfo">Must describe a JSON object (a class, record or dictionary), since <c>data</c> is one.</param>
    public KafkaMessage Create<TPayload>(
        MessageType type, string source, TPayload payload, JsonTypeInfo<TPayload> typeInfo, EnvelopeMetadata? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (typeInfo.Kind is not (JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary))
        {
            throw new ArgumentException($"data must be a JSON object, but {typeof(TPayload).Name} serializes as {typeInfo.Kind}.", nameof(typeInfo));
        }

        return Create(type, source, new TypedEnvelopeData<TPayload>(payload, typeInfo), metadata);
    }

    /// <summary>A message answering <paramref name="request"/>: its correlation id is the request's message id.</summary>
    public KafkaMessage CreateReply(KafkaMessage request, MessageType type, string source, JsonObject data) =>
        Create(type, source, data, ReplyMetadata(request));

    /// <summary>A typed-payload reply (see <see cref="Create{TPayload}"/>); its correlation id is the request's message id.</summary>
    public KafkaMessage CreateReply<TPayload>(KafkaMessage request, MessageType type, string source, TPayload payload, JsonTypeInfo<TPayload> typeInfo) =>
        Create(type, source, payload, typeInfo, ReplyMetadata(request));

    private KafkaMessage Create(MessageType type, string source, EnvelopeData data, EnvelopeMetadata? metadata)
    {
        var now = timeProvider.GetUtcNow();
        return new KafkaMessage(
            // Version 7 UUIDs are unique like v4 but sort by creation time, which keeps logs and stores readable.
            Guid.CreateVersion7(now).ToString(),
            type,
            now.ToUniversalTime(),
            source,
            data,
            // Copied so that a caller reusing one metadata object for many messages cannot alias them.
            metadata?.Clone() ?? new EnvelopeMetadata());
    }

    private static EnvelopeMetadata ReplyMetadata(KafkaMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metadata = new EnvelopeMetadata { CorrelationId = request.MessageId };
        if (request.Metadata.DatasetId is { } datasetId)
        {
            metadata.DatasetId = datasetId;
        }

        return metadata;
    }
}
