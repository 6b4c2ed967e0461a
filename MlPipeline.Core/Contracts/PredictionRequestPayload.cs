using System.Text.Json.Nodes;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The <c>data</c> of a PREDICTION_REQUEST envelope, as a client built it from a request body: only the features and
/// the model name travel. Serving reads it back as the untrusted body it is (<c>PredictionRequest.TryParse</c>, which
/// names what is wrong), so both fields stay JSON here.
/// </summary>
/// <param name="Features">An array in the model's feature order, or an object keyed by feature name.</param>
/// <param name="Model">The model name asked for; left out for the default model.</param>
public sealed record PredictionRequestPayload(JsonNode Features, JsonNode? Model = null);
