using System.Text.Json.Nodes;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Serving;

/// <summary>
/// Builds the PREDICTION_REQUEST envelope from a request body, the one way every client (HTTP API, command line) does
/// it: only <c>features</c> and <c>model</c> are carried; the envelope's message id is what the result's
/// <c>correlation_id</c> will name.
/// </summary>
public static class PredictionRequestMessages
{
    /// <param name="body">A body <see cref="PredictionRequest.TryParse"/> accepted.</param>
    public static KafkaMessage Create(KafkaMessageFactory factory, JsonObject body, string source)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(body);
        var payload = new PredictionRequestPayload(body[PredictionRequest.FeaturesField]!.DeepClone(), body[PredictionRequest.ModelField]?.DeepClone());
        return factory.Create(MessageType.PredictionRequest, source, payload, ContractJson.PredictionRequest);
    }

    /// <summary>
    /// Features typed on a command line: each value that reads as a number (invariant culture) is a number, anything
    /// else a string (a category or a date), so <c>predict 100 50 Beauty 2023-01-05</c> means what it says.
    /// </summary>
    public static JsonArray FeaturesFromText(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var features = new JsonArray();
        foreach (var value in values)
        {
            features.Add(double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                         && double.IsFinite(number)
                ? JsonValue.Create(number)
                : JsonValue.Create(value));
        }

        return features;
    }
}
