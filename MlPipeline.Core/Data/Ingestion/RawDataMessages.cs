using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>The RAW_DATA envelope of one ingestion payload, built the same way by the ingestion stage and the command line.</summary>
public static class RawDataMessages
{
    /// <summary>The envelope of <paramref name="payload"/>; its Kafka key is the dataset id (one dataset, one partition, in order).</summary>
    public static KafkaMessage Create(KafkaMessageFactory messages, IngestionJob job, RawDataPayload payload, string source)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(payload);
        var metadata = new EnvelopeMetadata { DatasetId = payload.DatasetId };
        var message = messages.Create(MessageType.RawData, source, payload, ContractJson.RawData, metadata);
        // The start marker carries the id already handed out for this ingestion (the API's message_id).
        return payload.Kind == DatasetMessageKinds.DatasetStart ? message with { MessageId = job.StartMessageId } : message;
    }
}
