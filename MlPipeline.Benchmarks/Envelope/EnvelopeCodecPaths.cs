using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>The encode/decode paths the benchmark compares, for RAW_DATA and PROCESSED_DATA payloads.</summary>
public sealed class EnvelopeCodecPaths(KafkaMessageFactory messages, KafkaMessageSerializer serializer)
{
    private const string CorrelationId = "0193a0b4-7c2e-7d11-9a3f-2f5e8c1b4d21";

    /// <summary>Through a <c>JsonObject</c>: DatasetPayloadJson.ToData / FromData on <see cref="KafkaMessage.Data"/>.</summary>
    public EnvelopeCodecPath<TPayload> Dom<TPayload>(MessageType type, string source, Func<TPayload, string> datasetId) => new(
        "JsonObject data (ToData/FromData)",
        payload => serializer.Serialize(messages.Create(type, source, DatasetPayloadJson.ToData(payload), Metadata(datasetId(payload)))),
        bytes => DatasetPayloadJson.FromData<TPayload>(serializer.Deserialize(bytes).Data));

    public IReadOnlyList<EnvelopeCodecPath<RawDataPayload>> Raw() =>
        [Dom<RawDataPayload>(MessageType.RawData, "ingestion", p => p.DatasetId)];

    public IReadOnlyList<EnvelopeCodecPath<ProcessedDataPayload>> Processed() =>
        [Dom<ProcessedDataPayload>(MessageType.ProcessedData, "processing", p => p.DatasetId)];

    // What the stages attach: dataset id always, the source message's id on a reply.
    private static EnvelopeMetadata Metadata(string datasetId) => new() { DatasetId = datasetId, CorrelationId = CorrelationId };
}
