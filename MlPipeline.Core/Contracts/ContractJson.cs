using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The one JSON policy of the wire contract and the one serializer context every topic payload goes through:
/// snake_case names, nulls left out (unless a record says otherwise), feature names as written, and NaN / ±Infinity as
/// the named literals <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c> (R² is NaN when a holdout's labels are all
/// equal; such an event must still be sendable and readable).
/// Hand a payload's <see cref="JsonTypeInfo{T}"/> (<see cref="RawData"/>, <see cref="ModelTraining"/>, …) to
/// <c>KafkaMessageFactory.Create</c> and <c>KafkaMessage.ReadData</c>, which go straight between payload and bytes;
/// <see cref="ToData{T}"/> and <see cref="FromData{T}"/> build or read a DOM through the same metadata.
/// </summary>
public static class ContractJson
{
    /// <summary>The naming policy of the contract; the HTTP API and the files on disk derive theirs from it.</summary>
    public static JsonNamingPolicy NamingPolicy => JsonNamingPolicy.SnakeCaseLower;

    /// <summary>Options that resolve only the contract's types, through the source-generated context.</summary>
    public static JsonSerializerOptions Options => ContractJsonContext.Default.Options;

    /// <summary><c>data</c> of RAW_DATA (topic <c>raw_data</c>).</summary>
    public static JsonTypeInfo<RawDataPayload> RawData => ContractJsonContext.Default.RawDataPayload;

    /// <summary><c>data</c> of PROCESSED_DATA (topic <c>processed_data</c>).</summary>
    public static JsonTypeInfo<ProcessedDataPayload> ProcessedData => ContractJsonContext.Default.ProcessedDataPayload;

    /// <summary><c>data</c> of a dead-lettered row (topic <c>dead_letter</c>).</summary>
    public static JsonTypeInfo<RejectedRowPayload> RejectedRow => ContractJsonContext.Default.RejectedRowPayload;

    /// <summary><c>data</c> of MODEL_TRAINING (topic <c>model_training</c>).</summary>
    public static JsonTypeInfo<ModelTrainingEvent> ModelTraining => ContractJsonContext.Default.ModelTrainingEvent;

    /// <summary><c>data</c> of MODEL_EVALUATION (topic <c>model_evaluation</c>).</summary>
    public static JsonTypeInfo<ModelEvaluationReport> ModelEvaluation => ContractJsonContext.Default.ModelEvaluationReport;

    /// <summary><c>data</c> of PREDICTION_REQUEST (topic <c>prediction_requests</c>).</summary>
    public static JsonTypeInfo<PredictionRequestPayload> PredictionRequest => ContractJsonContext.Default.PredictionRequestPayload;

    /// <summary><c>data</c> of PREDICTION_RESULT (topic <c>prediction_results</c>).</summary>
    public static JsonTypeInfo<PredictionResult> PredictionResult => ContractJsonContext.Default.PredictionResult;

    /// <summary><c>data</c> of ALERT (topic <c>alerts</c>).</summary>
    public static JsonTypeInfo<AlertEvent> Alert => ContractJsonContext.Default.AlertEvent;

    /// <summary>One line of a training data file (not a topic payload, but it holds a <see cref="Data.ProcessedRow"/> written the wire's way).</summary>
    public static JsonTypeInfo<TrainingDataLine> TrainingDataLine => ContractJsonContext.Default.TrainingDataLine;

    public static JsonObject ToData<T>(T payload, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.SerializeToNode(payload, typeInfo) as JsonObject
        ?? throw new InvalidOperationException($"A {typeof(T).Name} did not serialize to a JSON object.");

    /// <summary>Reads a payload; throws <see cref="JsonException"/> (with the reason) when it is not one.</summary>
    public static T FromData<T>(JsonObject data, JsonTypeInfo<T> typeInfo) =>
        data.Deserialize(typeInfo) ?? throw new JsonException($"data is not a {typeof(T).Name}.");

    /// <summary>
    /// Fresh reflection options with the contract's policy, for JSON that is not a topic payload (job files, model
    /// metadata, the HTTP API adds its own details on top), and the reference the hand-written row converters are
    /// tested against (they are not in these options).
    /// </summary>
    public static JsonSerializerOptions CreateOptions() => new()
    {
        PropertyNamingPolicy = NamingPolicy,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Feature names are data ("Product Category"): dictionary keys stay as written.
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>
/// Reflection-free (de)serialization of every topic payload. The options must stay those of
/// <see cref="ContractJson.CreateOptions"/> (tests compare the two); the row lists of the dataset payloads go through
/// hand-written converters because they are the hot path.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(RawRowListJsonConverter), typeof(ProcessedRowListJsonConverter)])]
[JsonSerializable(typeof(RawDataPayload))]
[JsonSerializable(typeof(ProcessedDataPayload))]
[JsonSerializable(typeof(RejectedRowPayload))]
[JsonSerializable(typeof(ModelTrainingEvent))]
[JsonSerializable(typeof(ModelEvaluationReport))]
[JsonSerializable(typeof(PredictionRequestPayload))]
[JsonSerializable(typeof(PredictionResult))]
[JsonSerializable(typeof(AlertEvent))]
[JsonSerializable(typeof(TrainingDataLine))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;
