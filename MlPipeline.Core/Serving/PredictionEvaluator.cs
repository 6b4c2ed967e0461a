using System.Text.Json.Nodes;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Serving;

/// <summary>A scored (or refused) request: the result to publish and the features as interpreted, for observers.</summary>
/// <param name="ModelServed">Whether the model the request names is one serving knows; observers count the others
/// under <see cref="Monitoring.PredictionObservation.UnknownModel"/>, so made-up names cannot grow their state.</param>
public sealed record PredictionEvaluation(PredictionResult Result, IReadOnlyDictionary<string, object?> Features, bool ModelServed = false);

/// <summary>
/// Turns one request's <c>data</c> into its result with the current version of the model it names. Every request
/// gets a result: a malformed one, one for a model not loaded, or one the model cannot score gets
/// <see cref="PredictionResult.Failed"/> with the reason. Thread-safe; does no I/O.
/// </summary>
public sealed class PredictionEvaluator(ServingModelRegistry registry, string defaultModel)
{
    private static readonly IReadOnlyDictionary<string, object?> NoFeatures = new Dictionary<string, object?>();

    public PredictionEvaluation Evaluate(JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!PredictionRequest.TryParse(data, defaultModel, out var request, out var shapeError))
        {
            var model = data[PredictionRequest.ModelField] is JsonValue value && value.TryGetValue<string>(out var named) ? named : defaultModel;
            return Failure(model, version: null, data[PredictionRequest.FeaturesField]?.DeepClone(), NoFeatures, shapeError!)
                with { ModelServed = registry.IsServed(model) };
        }

        if (!registry.TryLease(request!.Model, out var lease))
        {
            var given = request.NamedFeatures ?? NoFeatures;
            return Failure(
                request.Model, version: null, data[PredictionRequest.FeaturesField]?.DeepClone(), given,
                $"no version of model '{request.Model}' has been promoted yet");
        }

        using (lease)
        {
            var scorer = lease.Scorer;
            var scored = request.OrderedFeatures is { } ordered ? scorer.Score(ordered) : scorer.Score(request.NamedFeatures!);
            var features = request.Interpret(scorer.InputColumns);
            JsonNode interpreted = request.OrderedFeatures is { } array && array.Count != scorer.InputColumns.Count
                ? data[PredictionRequest.FeaturesField]!.DeepClone()
                : PredictionResult.FeaturesToJson(features);
            return scored.Succeeded
                ? new PredictionEvaluation(
                    new PredictionResult(PredictionResult.Ok, scored.Prediction, request.Model, lease.Version, interpreted, null)
                    {
                        Label = scored.Label,
                        Probabilities = scored.Probabilities,
                    },
                    features,
                    ModelServed: true)
                : Failure(request.Model, lease.Version, interpreted, features, scored.Error!) with { ModelServed = true };
        }
    }

    private static PredictionEvaluation Failure(
        string model, int? version, JsonNode? interpreted, IReadOnlyDictionary<string, object?> features, string error) =>
        new(new PredictionResult(PredictionResult.Failed, null, model, version, interpreted, error), features);
}
