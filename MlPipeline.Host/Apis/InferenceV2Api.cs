using System.Text.Json;
using System.Text.Json.Nodes;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Serving.InferenceV2;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary>
/// The Open Inference Protocol ("V2") REST API beside <c>/api</c>, so KServe, Seldon, Triton and MLServer clients can
/// call this host: health, server and model metadata, model readiness and inference, each model path also under
/// <c>/versions/{model_version}</c>. The logic is <see cref="InferenceV2Service"/>; errors are <c>{"error": "..."}</c>.
/// </summary>
internal static class InferenceV2Api
{
    private const string ServerName = "mlpipeline";

    public static IEndpointRouteBuilder MapInferenceV2Api(this IEndpointRouteBuilder app)
    {
        // Server metadata and the health probes stay open, like /health (orchestrators probe them without a key); the
        // model endpoints need a predict key and share the predict rate budget, like /api/predict.
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol (V2)");

        v2.MapGet("", () => TypedResults.Json(new JsonObject
            {
                ["name"] = ServerName,
                ["version"] = typeof(InferenceV2Api).Assembly.GetName().Version?.ToString() ?? "0",
                ["extensions"] = new JsonArray(),
            }))
            .WithSummary("Server metadata.");
        v2.MapGet("/health/live", () => TypedResults.Ok())
            .WithSummary("200 while the process serves HTTP.");
        v2.MapGet("/health/ready", (InferenceV2Service service) => Ready(service.IsServerReady))
            .WithSummary("200 when at least one model is served, 400 before.");

        var model = v2.MapGroup("/models/{name}").RequireApiRole(ApiAccess.Predict);
        var version = model.MapGroup("/versions/{version}");
        model.MapGet("", (string name, InferenceV2Service service) => ToResult(service.Metadata(name, null)))
            .WithSummary("Model metadata: one input per feature (FP64 numeric, BYTES text), the 'prediction' output, the served version.");
        version.MapGet("", (string name, string version, InferenceV2Service service) => ToResult(service.Metadata(name, version)))
            .WithSummary("Model metadata of one version (404 unless it is the version served).");
        model.MapGet("/ready", (string name, InferenceV2Service service) => Ready(service.IsModelReady(name, null)))
            .WithSummary("200 when the model is served here, 400 otherwise.");
        version.MapGet("/ready", (string name, string version, InferenceV2Service service) => Ready(service.IsModelReady(name, version)))
            .WithSummary("200 when this version of the model is served here, 400 otherwise.");
        model.MapPost("/infer", (string name, HttpRequest request, InferenceV2Service service, PipelineConfig config, CancellationToken cancellationToken) =>
                InferAsync(name, null, request, service, config, cancellationToken))
            .WithSummary("Inference: one input per feature (shape [N]) or one [N, F] tensor in feature order; output 'prediction' [N].");
        version.MapPost("/infer", (string name, string version, HttpRequest request, InferenceV2Service service, PipelineConfig config, CancellationToken cancellationToken) =>
                InferAsync(name, version, request, service, config, cancellationToken))
            .WithSummary("Inference with one version (404 unless it is the version served).");
        return app;
    }

    internal static async Task<IResult> InferAsync(
        string name, string? version, HttpRequest request, InferenceV2Service service, PipelineConfig config, CancellationToken cancellationToken)
    {
        var (body, error) = await ReadBodyAsync(request, config.Serving.MaxRequestBytes, cancellationToken);
        return body is null
            ? Error(StatusCodes.Status400BadRequest, error!)
            : ToResult(await service.InferAsync(name, version, body, cancellationToken));
    }

    /// <summary>The protocol's readiness answer: the status code is the boolean, the body is empty.</summary>
    private static IResult Ready(bool ready) => ready ? Results.Ok() : Results.BadRequest();

    private static IResult ToResult(InferenceV2Outcome outcome) =>
        outcome.Body is { } body
            ? TypedResults.Json(body)
            : Error(
                outcome.Error switch
                {
                    InferenceV2ErrorKind.NotFound => StatusCodes.Status404NotFound,
                    InferenceV2ErrorKind.ScoringFailed => StatusCodes.Status422UnprocessableEntity,
                    _ => StatusCodes.Status400BadRequest,
                },
                outcome.Message!);

    private static IResult Error(int status, string message) => TypedResults.Json(new JsonObject { ["error"] = message }, statusCode: status);

    /// <summary>The body as a JSON object (at most <paramref name="maxBytes"/>, serving.max_request_bytes), or why not.</summary>
    private static async Task<(JsonObject? Body, string? Error)> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        // V2 clients send application/json; the protocol's binary tensor extension is not supported.
        if (request.ContentType is not null && !request.HasJsonContentType())
            return (null, $"Content-Type must be application/json, got '{request.ContentType}'");
        var tooLarge = $"the body exceeds {maxBytes} bytes (serving.max_request_bytes)";
        if (request.ContentLength > maxBytes)
            return (null, tooLarge);

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
                return (null, tooLarge);
        }

        try
        {
            return buffer.Length > 0 && JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is JsonObject body
                ? (body, null)
                : (null, "the body must be a JSON object (an inference request)");
        }
        catch (JsonException exception)
        {
            return (null, $"the body is not valid JSON: {exception.Message}");
        }
    }
}
