using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The <c>data</c> of a PREDICTION_RESULT envelope (the answer to one request, whose message id is the result's
/// correlation id, message key and <c>correlation_id</c> header).
/// </summary>
/// <param name="Status"><see cref="Ok"/> or <see cref="Failed"/>.</param>
/// <param name="Prediction">The predicted value (a classifier: the probability of <see cref="Label"/>); null on error.</param>
/// <param name="Model">The model name asked for (or the default).</param>
/// <param name="ModelVersion">The version that answered; null when none could.</param>
/// <param name="Features">The features as interpreted: by name when they could be named, else as given.</param>
/// <param name="Error">Why the request could not be scored; null when it was.</param>
/// <remarks>Every field is written, null or not: clients read <c>prediction: null</c> as "no prediction".</remarks>
public sealed record PredictionResult(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Prediction,
    string Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? ModelVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonNode? Features,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Error)
{
    /// <summary>Classification only (absent otherwise): the predicted class, as it appeared in the training data.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Label { get; init; }

    /// <summary>Classification only (absent otherwise): the probability of every class, summing to 1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, double>? Probabilities { get; init; }

    public const string Ok = "ok";
    public const string Failed = "error";

    [JsonIgnore]
    public bool Succeeded => Status == Ok;

    public JsonObject ToJson() => ContractJson.ToData(this, ContractJson.PredictionResult);

    /// <exception cref="JsonException">The data is not a prediction result.</exception>
    public static PredictionResult FromJson(JsonObject data) => ContractJson.FromData(data, ContractJson.PredictionResult);

    public static JsonObject FeaturesToJson(IReadOnlyDictionary<string, object?> features)
    {
        var json = new JsonObject();
        foreach (var (name, value) in features)
        {
            json[name] = value switch
            {
                null => null,
                double number => JsonValue.Create(number),
                string text => JsonValue.Create(text),
                _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
            };
        }

        return json;
    }
}
