using System.Globalization;
using System.Text.Json.Nodes;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Serving.InferenceV2;

/// <summary>
/// The Open Inference Protocol ("V2") over this node's served models: readiness, model metadata and inference. A model
/// is served in the version <see cref="ServingModelRegistry"/> holds now; <c>/versions/{v}</c> names must match it.
/// Inference scores each row through <see cref="DirectPredictionService"/>: the same door checks, evaluator and records
/// on the requests/results topics as <c>POST /api/predict?wait_ms=</c>, so monitoring and Kafka readers see V2 calls too.
/// </summary>
public sealed class InferenceV2Service(ServingModelRegistry registry, DirectPredictionService direct)
{
    public const string OutputName = "prediction";
    public const string Platform = "mlnet";

    /// <summary>Ready for inference: at least one model is served.</summary>
    public bool IsServerReady => registry.Versions.Count > 0;

    public bool IsModelReady(string name, string? version)
    {
        if (!registry.TryLease(name, out var lease))
        {
            return false;
        }

        using (lease)
        {
            return version is null || version == VersionText(lease.Version);
        }
    }

    public InferenceV2Outcome Metadata(string name, string? version)
    {
        if (Lease(name, version, out var lease) is { } missing)
        {
            return missing;
        }

        using (lease)
        {
            var inputs = new JsonArray();
            foreach (var feature in Features(lease.Scorer))
            {
                inputs.Add(Tensor(feature.Name, InferenceV2Inputs.DatatypeOf(feature.Kind)));
            }

            return InferenceV2Outcome.Success(new JsonObject
            {
                ["name"] = name,
                ["versions"] = new JsonArray(VersionText(lease.Version)),
                ["platform"] = Platform,
                ["inputs"] = inputs,
                ["outputs"] = new JsonArray(Tensor(OutputName, "FP64")),
            });
        }
    }

    /// <summary>Scores every row of <paramref name="request"/>; nothing is scored or published unless every row passes the door.</summary>
    public async Task<InferenceV2Outcome> InferAsync(string name, string? version, JsonObject request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Lease(name, version, out var lease) is { } missing)
        {
            return missing;
        }

        int servedVersion;
        List<JsonArray> rows;
        using (lease)
        {
            servedVersion = lease.Version;
            if (!InferenceV2Inputs.TryDecode(request["inputs"], Features(lease.Scorer), out rows, out var inputError))
            {
                return InferenceV2Outcome.Failure(InferenceV2ErrorKind.BadRequest, inputError!);
            }
        }

        if (CheckEnvelope(request) is { } envelopeError)
        {
            return InferenceV2Outcome.Failure(InferenceV2ErrorKind.BadRequest, envelopeError);
        }

        var bodies = new List<JsonObject>(rows.Count);
        for (var row = 0; row < rows.Count; row++)
        {
            var body = new JsonObject { [PredictionRequest.ModelField] = name, [PredictionRequest.FeaturesField] = rows[row] };
            if (!PredictionRequest.TryParse(body, name, out var parsed, out var shapeError))
            {
                return InferenceV2Outcome.Failure(InferenceV2ErrorKind.BadRequest, $"row {row}: {shapeError}");
            }

            if (await direct.CheckAsync(parsed!, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return InferenceV2Outcome.Failure(
                    refusal.Kind == PredictionRefusalKind.UnknownModel ? InferenceV2ErrorKind.NotFound : InferenceV2ErrorKind.BadRequest,
                    $"row {row}: {refusal.Reason}");
            }

            bodies.Add(body);
        }

        var predictions = new JsonArray();
        var answeredVersion = servedVersion;
        for (var row = 0; row < bodies.Count; row++)
        {
            var answer = await direct.AnswerAsync(bodies[row], cancellationToken).ConfigureAwait(false);
            if (!answer.Result.Succeeded)
            {
                return InferenceV2Outcome.Failure(InferenceV2ErrorKind.ScoringFailed, $"row {row}: {answer.Result.Error}");
            }

            predictions.Add(answer.Result.Prediction);
            answeredVersion = answer.Result.ModelVersion ?? answeredVersion;
        }

        var output = Tensor(OutputName, "FP64", rows.Count);
        output["data"] = predictions;
        var response = new JsonObject
        {
            ["model_name"] = name,
            ["model_version"] = VersionText(answeredVersion),
        };
        if (request["id"] is { } id)
        {
            response["id"] = id.DeepClone();
        }

        if (request["parameters"] is { } parameters)
        {
            // Passed through: the protocol lets a client tag a request and read the tag back.
            response["parameters"] = parameters.DeepClone();
        }

        response["outputs"] = new JsonArray(output);
        return InferenceV2Outcome.Success(response);
    }

    private static string? CheckEnvelope(JsonObject request)
    {
        if (request["id"] is { } id && (id is not JsonValue idValue || !idValue.TryGetValue<string>(out _)))
        {
            return "'id' must be a string";
        }

        if (request["parameters"] is { } parameters && parameters is not JsonObject)
        {
            return "'parameters' must be an object";
        }

        if (request["outputs"] is { } outputs)
        {
            if (outputs is not JsonArray requested)
            {
                return "'outputs' must be an array";
            }

            foreach (var item in requested)
            {
                if (item?["name"] is not JsonValue outputName || !outputName.TryGetValue<string>(out var named) || named != OutputName)
                {
                    return $"'outputs' may only name '{OutputName}', got {item?.ToJsonString() ?? "null"}";
                }
            }
        }

        return null;
    }

    private InferenceV2Outcome? Lease(string name, string? version, out ModelLease lease)
    {
        if (!registry.TryLease(name, out lease))
        {
            return InferenceV2Outcome.Failure(InferenceV2ErrorKind.NotFound, $"model '{name}' is not served here");
        }

        if (version is not null && version != VersionText(lease.Version))
        {
            var served = lease.Version;
            lease.Dispose();
            lease = default;
            return InferenceV2Outcome.Failure(
                InferenceV2ErrorKind.NotFound, $"model '{name}' version '{version}' is not served here (version {served} is)");
        }

        return null;
    }

    private static IReadOnlyList<FeatureColumn> Features(ModelScorer scorer) => scorer.Model.Metadata.Training.Schema.Features;

    private static string VersionText(int version) => version.ToString(CultureInfo.InvariantCulture);

    private static JsonObject Tensor(string name, string datatype, int rows = -1) =>
        new() { ["name"] = name, ["datatype"] = datatype, ["shape"] = new JsonArray(rows) };
}
