using System.Text.Json.Nodes;

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

        var now = timeProvider.GetUtcNow();
        return new KafkaMessage
        {
            // Version 7 UUIDs are unique like v4 but sort by creation time, which keeps logs and stores readable.
            MessageId = Guid.CreateVersion7(now).ToString(),
            MessageType = type,
            Timestamp = now.ToUniversalTime(),
            Source = source,
            Data = data,
            // Copied so that a caller reusing one metadata object for many messages cannot alias them.
            Metadata = metadata?.Clone() ?? new EnvelopeMetadata(),
        };
    }

    /// <summary>A message answering <paramref name="request"/>: its correlation id is the request's message id.</summary>
    public KafkaMessage CreateReply(KafkaMessage request, MessageType type, string source, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metadata = new EnvelopeMetadata { CorrelationId = request.MessageId };
        if (request.Metadata.DatasetId is { } datasetId)
        {
            metadata.DatasetId = datasetId;
        }

        return Create(type, source, data, metadata);
    }
}
