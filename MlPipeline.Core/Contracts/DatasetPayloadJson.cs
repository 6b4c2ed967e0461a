using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// Converts the payload records to and from the envelope's <c>data</c> object (snake_case, like the whole wire contract).
/// The dataset payloads travel on the hot path: hand their <see cref="JsonTypeInfo{T}"/> (<see cref="RawData"/>,
/// <see cref="ProcessedData"/>, <see cref="RejectedRow"/>) to <c>KafkaMessageFactory.Create</c> and
/// <c>KafkaMessage.ReadData</c>, which go straight between payload and bytes. <see cref="ToData{T}"/> and
/// <see cref="FromData{T}"/> build or read a DOM and suit everything else.
/// </summary>
public static class DatasetPayloadJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Feature names are data ("Product Category"): dictionary keys stay as written.
        DictionaryKeyPolicy = null,
        // R² is NaN when a holdout's labels are all equal; an event must still be sendable.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary><c>data</c> of RAW_DATA: source-generated, same shape as <see cref="Options"/> gives.</summary>
    public static JsonTypeInfo<RawDataPayload> RawData => DatasetPayloadJsonContext.Default.RawDataPayload;

    /// <summary><c>data</c> of PROCESSED_DATA: source-generated, same shape as <see cref="Options"/> gives.</summary>
    public static JsonTypeInfo<ProcessedDataPayload> ProcessedData => DatasetPayloadJsonContext.Default.ProcessedDataPayload;

    /// <summary><c>data</c> of a dead-lettered row: source-generated, same shape as <see cref="Options"/> gives.</summary>
    public static JsonTypeInfo<RejectedRowPayload> RejectedRow => DatasetPayloadJsonContext.Default.RejectedRowPayload;

    public static JsonObject ToData<T>(T payload) =>
        JsonSerializer.SerializeToNode(payload, Options)?.AsObject() ?? throw new InvalidOperationException("Payload serialized to null.");

    /// <summary>Reads a payload; throws <see cref="JsonException"/> (with the reason) when it is not one.</summary>
    public static T FromData<T>(JsonObject data) =>
        data.Deserialize<T>(Options) ?? throw new JsonException($"data is not a {typeof(T).Name}.");
}

/// <summary>
/// Reflection-free (de)serialization of the dataset payloads. The options must stay those of
/// <see cref="DatasetPayloadJson.Options"/>: both produce and read the same wire shape (tests compare them).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(RawRowListJsonConverter), typeof(ProcessedRowListJsonConverter)])]
[JsonSerializable(typeof(RawDataPayload))]
[JsonSerializable(typeof(ProcessedDataPayload))]
[JsonSerializable(typeof(RejectedRowPayload))]
internal sealed partial class DatasetPayloadJsonContext : JsonSerializerContext;
