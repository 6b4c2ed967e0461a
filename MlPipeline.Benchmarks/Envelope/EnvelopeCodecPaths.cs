using System.Text.Json.Serialization.Metadata;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>The encode/decode paths the benchmark compares, for RAW_DATA and PROCESSED_DATA payloads.</summary>
public sealed class EnvelopeCodecPaths(KafkaMessageFactory messages, KafkaMessageSerializer serializer)
{
    private const string CorrelationId = "0193a0b4-7c2e-7d11-9a3f-2f5e8c1b4d21";

    /// <summary>Through a <c>JsonObject</c>: ContractJson.ToData / FromData on <see cref="KafkaMessage.Data"/>.</summary>
    public EnvelopeCodecPath<TPayload> Dom<TPayload>(MessageType type, string source, JsonTypeInfo<TPayload> typeInfo, Func<TPayload, string> datasetId) => new(
        "JsonObject data (ToData/FromData)",
        payload => serializer.Serialize(messages.Create(type, source, ContractJson.ToData(payload, typeInfo), Metadata(datasetId(payload)))),
        bytes => ContractJson.FromData(serializer.Deserialize(bytes).Data, typeInfo));

    /// <summary>What the stages do: the typed payload straight to and from bytes (factory overload, <see cref="KafkaMessage.ReadData{T}"/>).</summary>
    public EnvelopeCodecPath<TPayload> Typed<TPayload>(
        MessageType type, string source, JsonTypeInfo<TPayload> typeInfo, Func<TPayload, string> datasetId) => new(
        "typed payload (Create + ReadData)",
        payload => serializer.Serialize(messages.Create(type, source, payload, typeInfo, Metadata(datasetId(payload)))),
        bytes => serializer.Deserialize(bytes).ReadData(typeInfo));

    /// <summary>Only the envelope: what a reader that never looks at <c>data</c> (monitoring, routing) pays.</summary>
    public EnvelopeCodecPath<TPayload> EnvelopeOnly<TPayload>(MessageType type, string source, JsonTypeInfo<TPayload> typeInfo, Func<TPayload, string> datasetId)
    {
        var typed = Typed(type, source, typeInfo, datasetId);
        TPayload? last = default;
        return new("decode envelope only (data not read)", typed.Encode, bytes =>
        {
            _ = serializer.Deserialize(bytes);
            return last ??= typed.Decode(bytes);
        });
    }

    public IReadOnlyList<EnvelopeCodecPath<RawDataPayload>> Raw() =>
    [
        Dom(MessageType.RawData, "ingestion", ContractJson.RawData, p => p.DatasetId),
        Typed(MessageType.RawData, "ingestion", ContractJson.RawData, p => p.DatasetId),
        EnvelopeOnly(MessageType.RawData, "ingestion", ContractJson.RawData, p => p.DatasetId),
    ];

    public IReadOnlyList<EnvelopeCodecPath<ProcessedDataPayload>> Processed() =>
    [
        Dom(MessageType.ProcessedData, "processing", ContractJson.ProcessedData, p => p.DatasetId),
        Typed(MessageType.ProcessedData, "processing", ContractJson.ProcessedData, p => p.DatasetId),
        EnvelopeOnly(MessageType.ProcessedData, "processing", ContractJson.ProcessedData, p => p.DatasetId),
    ];

    // What the stages attach: dataset id always, the source message's id on a reply.
    private static EnvelopeMetadata Metadata(string datasetId) => new() { DatasetId = datasetId, CorrelationId = CorrelationId };
}
