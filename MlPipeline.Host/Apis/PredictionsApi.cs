using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Serving;
using MlPipeline.Host.Apis.Http;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>POST /api/predict</c>, <c>POST /api/predict/batch</c> and <c>GET /api/prediction/{message_id}</c>: requests go to
/// the requests topic, results come back through this instance's <see cref="PredictionResultsListener"/> into its
/// <see cref="PredictionResultCache"/>. Bodies are read by hand (not bound) so that a wrong content type, bad JSON, an
/// oversized body or a malformed <c>features</c> each get a 400 that says exactly what is wrong.
/// </summary>
internal static class PredictionsApi
{
    private const string Source = "api";

    /// <summary>The body of <c>POST /api/predict</c> (documentation only; the body is validated by hand).</summary>
    /// <param name="Features">Values in the model's feature order (<c>[100, 50, 25, 10]</c>) or an object keyed by feature name.</param>
    /// <param name="Model">Model name; <c>serving.default_model</c> when absent.</param>
    public sealed record PredictionRequestBody(JsonNode Features, string? Model);

    /// <summary>The body of <c>POST /api/predict/batch</c>.</summary>
    public sealed record BatchPredictionRequestBody(IReadOnlyList<PredictionRequestBody> Requests);

    public sealed record PredictionAccepted(string Status, string MessageId, string Message);

    public sealed record PredictionCompleted(string Status, string MessageId, PredictionResult Result);

    public sealed record PredictionPending(string Status, string MessageId, string Message);

    public sealed record BatchAccepted(string Status, IReadOnlyList<string> MessageIds, string Message);

    public sealed record BatchCompleted(string Status, IReadOnlyList<PredictionCompleted> Results);

    /// <summary>What the handlers need, bundled.</summary>
    internal sealed record PredictionServices(
        PipelineConfig Config,
        PredictionResultCache Cache,
        PredictionResultsListener Listener,
        KafkaProducerManager Producer,
        KafkaMessageFactory MessageFactory,
        PredictionAdmission Admission);

    public static IEndpointRouteBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Predictions");
        api.MapPost("/predict", PredictAsync)
            .WithJsonRequestBody<PredictionRequestBody>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Submit one prediction request.")
            .WithDescription("202 with the request's message_id; with ?wait_ms=N waits up to N ms (capped by serving.max_wait_ms) and "
                + "answers 200 with the result when it came in time. 400 for a wrong content type, bad JSON, an oversized body "
                + "or missing/malformed features; 503 while Kafka cannot take the request.");
        api.MapPost("/predict/batch", PredictBatchAsync)
            .WithJsonRequestBody<BatchPredictionRequestBody>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Submit many prediction requests in one call.")
            .WithDescription("202 with one message_id per request, in order; with ?wait_ms=N answers 200 with every result when all came in time.");
        api.MapGet("/prediction/{message_id}", GetPrediction)
            .WithSummary("The result of a prediction request.")
            .WithDescription("200 with the result, 202 while pending, 404 for an id this instance never issued or has forgotten "
                + "(serving.results_ttl_seconds, serving.results_cache_size).");
        return app;
    }

    internal static async Task<Results<Ok<PredictionCompleted>, Accepted<PredictionAccepted>, ProblemHttpResult>> PredictAsync(
        HttpRequest request,
        [AsParameters] PredictionServices services,
        [FromQuery(Name = "wait_ms")] int? waitMs,
        CancellationToken cancellationToken)
    {
        using var admission = services.Admission.TryEnter();
        if (!admission.Admitted)
            return Overloaded(request, services.Admission);
        var serving = services.Config.Serving;
        var (body, problem) = await JsonRequestBody.ReadObjectAsync(request, serving.MaxRequestBytes, cancellationToken);
        if (problem is not null)
            return problem;
        if (!PredictionRequest.TryParse(body!, serving.DefaultModel, out _, out var error))
            return BadRequest(error!);
        if (NotReady(services) is { } notReady)
            return notReady;

        var message = CreateRequestMessage(services.MessageFactory, body!);
        services.Cache.Register(message.MessageId);
        try
        {
            await services.Producer.SendAsync(services.Config.Topics.PredictionRequestsTopic, message, message.MessageId, cancellationToken);
        }
        catch (MessageDeliveryException exception)
        {
            return KafkaUnavailable(exception.Message);
        }

        if (WaitTime(waitMs, serving) is { } wait
            && await services.Cache.WaitAsync(message.MessageId, wait, cancellationToken) is { } result)
        {
            return TypedResults.Ok(Completed(message.MessageId, result));
        }

        return TypedResults.Accepted(
            $"/api/prediction/{message.MessageId}",
            new PredictionAccepted("accepted", message.MessageId, "Prediction request submitted"));
    }

    internal static async Task<Results<Ok<BatchCompleted>, Accepted<BatchAccepted>, ProblemHttpResult>> PredictBatchAsync(
        HttpRequest request,
        [AsParameters] PredictionServices services,
        [FromQuery(Name = "wait_ms")] int? waitMs,
        CancellationToken cancellationToken)
    {
        using var admission = services.Admission.TryEnter();
        if (!admission.Admitted)
            return Overloaded(request, services.Admission);
        var serving = services.Config.Serving;
        var (body, problem) = await JsonRequestBody.ReadObjectAsync(request, serving.MaxRequestBytes, cancellationToken);
        if (problem is not null)
            return problem;
        if (body!["requests"] is not JsonArray requests || requests.Count == 0)
            return BadRequest("missing 'requests': give a non-empty array of {\"features\": ..., \"model\": ...} objects");
        if (requests.Count > serving.MaxBatchRequests)
            return BadRequest($"'requests' holds {requests.Count} items; the limit is {serving.MaxBatchRequests} (serving.max_batch_requests)");
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is not JsonObject item)
                return BadRequest($"'requests[{i}]' must be an object, got {requests[i]?.GetValueKind().ToString() ?? "null"}");
            if (!PredictionRequest.TryParse(item, serving.DefaultModel, out _, out var error))
                return BadRequest($"'requests[{i}]': {error}");
        }

        if (NotReady(services) is { } notReady)
            return notReady;

        var messages = requests.Select(item => CreateRequestMessage(services.MessageFactory, item!.AsObject())).ToList();
        foreach (var message in messages)
            services.Cache.Register(message.MessageId);
        var sent = await services.Producer.SendBatchAsync(
            services.Config.Topics.PredictionRequestsTopic, messages.Select(m => ((string?)m.MessageId, m)), cancellationToken);
        if (sent.FirstOrDefault(result => !result.Succeeded) is { } failed)
            return KafkaUnavailable($"{sent.Count(result => !result.Succeeded)} of {sent.Count} requests were not accepted by Kafka: {failed.Error?.Reason}");

        var ids = messages.Select(m => m.MessageId).ToList();
        if (WaitTime(waitMs, serving) is { } wait)
        {
            var results = await Task.WhenAll(ids.Select(id => services.Cache.WaitAsync(id, wait, cancellationToken)));
            if (results.All(result => result is not null))
                return TypedResults.Ok(new BatchCompleted("completed", ids.Select((id, i) => Completed(id, results[i]!)).ToList()));
        }

        return TypedResults.Accepted((string?)null, new BatchAccepted("accepted", ids, $"{ids.Count} prediction requests submitted"));
    }

    internal static Results<Ok<PredictionCompleted>, Accepted<PredictionPending>, NotFound<ProblemDetails>> GetPrediction(
        [FromRoute(Name = "message_id")] string messageId, PredictionResultCache cache)
    {
        var lookup = cache.Get(messageId);
        return lookup.State switch
        {
            PredictionLookupState.Completed => TypedResults.Ok(Completed(messageId, lookup.Result!)),
            PredictionLookupState.Pending => TypedResults.Accepted(
                $"/api/prediction/{messageId}", new PredictionPending("pending", messageId, "Prediction is being processed")),
            _ => TypedResults.NotFound(new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Unknown prediction",
                Detail = $"No prediction request '{messageId}' was issued by this service, or it was forgotten "
                    + "(see serving.results_ttl_seconds and serving.results_cache_size).",
            }),
        };
    }

    private static PredictionCompleted Completed(string messageId, PredictionResult result) => new("completed", messageId, result);

    private static KafkaMessage CreateRequestMessage(KafkaMessageFactory factory, JsonObject body) =>
        PredictionRequestMessages.Create(factory, body, Source);

    private static TimeSpan? WaitTime(int? waitMs, ServingOptions serving) =>
        waitMs is > 0 ? TimeSpan.FromMilliseconds(Math.Min(waitMs.Value, serving.MaxWaitMs)) : null;

    private static ProblemHttpResult? NotReady(PredictionServices services) =>
        services.Listener.IsReady
            ? null
            : TypedResults.Problem(
                title: "Prediction results reader is not ready",
                detail: "This instance is still connecting to the prediction results topic; retry shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>Load shedding (<see cref="PredictionAdmission"/>): refused at once, with when to come back.</summary>
    private static ProblemHttpResult Overloaded(HttpRequest request, PredictionAdmission admission)
    {
        request.HttpContext.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            title: "Too many predictions in progress",
            detail: $"This node already has {admission.Limit} HTTP predictions in progress (serving.max_waiting_http_predictions); retry after 1 s.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ProblemHttpResult KafkaUnavailable(string detail) =>
        TypedResults.Problem(title: "Kafka did not accept the request", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(title: "Invalid prediction request", detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
