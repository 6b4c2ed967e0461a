using Microsoft.AspNetCore.Http.HttpResults;
using MlPipeline.Core.Data;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Training;
using MlPipeline.Host.Apis.Http;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>GET /api/models</c>, <c>GET /api/models/{name}</c> (versions and current), <c>GET /api/models/{name}/{version}</c>
/// (the stored metadata) and <c>POST /api/train</c> (queue a training run on one dataset or on all stored data).
/// </summary>
internal static class ModelsApi
{
    public sealed record ModelVersionSummary(
        int Version, DateTimeOffset SavedAt, string DatasetId, string Trainer, RegressionMetricsSummary? Metrics,
        TrainingTask Task, ClassificationMetricsSummary? ClassificationMetrics);

    public sealed record ModelSummary(string Name, int? CurrentVersion, RegressionMetricsSummary? CurrentMetrics, IReadOnlyList<int> Versions);

    public sealed record ModelDetails(string Name, CurrentModelPointer? Current, IReadOnlyList<ModelVersionSummary> Versions);

    public sealed record TrainRequest(string? DatasetId, string? Model);

    /// <param name="Status"><c>queued</c> (a new training) or <c>joined</c> (the model's waiting training).</param>
    /// <param name="TrainingId">The waiting training this request is part of.</param>
    /// <param name="DatasetId">What it will train on: one dataset, or null for all stored data of the model.</param>
    public sealed record TrainAccepted(string Status, string TrainingId, string Model, string? DatasetId);

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/models").WithTags("Models").RequireApiRole(ApiAccess.Predict);
        var train = app.MapGroup("/api/train").WithTags("Models").RequireApiRole(ApiAccess.Admin);
        models.MapGet("", ListModelsAsync).WithSummary("Every model name with its current version and metrics.");
        models.MapGet("/{name}", GetModelAsync).WithSummary("A model's stored versions (with holdout metrics) and its current version.");
        models.MapGet("/{name}/{version:int}", GetVersionAsync).WithSummary("The metadata stored with one model version.");
        train.MapPost("", TrainAsync)
            .WithJsonRequestBody<TrainRequest>()
            .WithSummary("Train a model on one stored dataset, or on all stored data of that model; runs in the background.")
            .WithDescription("202 with the training's id. A model has at most one training waiting: a request for a model that has one "
                + "joins it (status 'joined'); requests for different datasets of one model merge into a run on all its data. "
                + "503 with Retry-After while training.max_queued_trainings trainings wait.");
        return app;
    }

    internal static async Task<Ok<IReadOnlyList<ModelSummary>>> ListModelsAsync(ModelStore store, CancellationToken cancellationToken)
    {
        var summaries = new List<ModelSummary>();
        foreach (var name in store.ListModels())
        {
            var current = await store.GetCurrentMetadataAsync(name, cancellationToken);
            summaries.Add(new ModelSummary(name, current?.Version, current?.Training.Metrics, store.ListVersions(name)));
        }

        return TypedResults.Ok<IReadOnlyList<ModelSummary>>(summaries);
    }

    internal static async Task<Results<Ok<ModelDetails>, ProblemHttpResult>> GetModelAsync(
        string name, ModelStore store, CancellationToken cancellationToken)
    {
        if (!ModelStore.IsValidName(name))
        {
            return ApiProblems.BadRequest($"'{name}' is not a valid model name: {ResourceNames.Rule}");
        }

        var versions = new List<ModelVersionSummary>();
        foreach (var version in store.ListVersions(name))
        {
            if (await store.GetMetadataAsync(name, version, cancellationToken) is { } metadata)
            {
                versions.Add(new ModelVersionSummary(version, metadata.SavedAt, metadata.Training.DatasetId,
                    metadata.Training.TrainerName(), metadata.Training.Metrics, metadata.Training.Task, metadata.Training.ClassificationMetrics));
            }
        }

        if (versions.Count == 0)
        {
            return ApiProblems.NotFound($"no model '{name}'", "Unknown model");
        }

        return TypedResults.Ok(new ModelDetails(name, await store.GetCurrentAsync(name, cancellationToken), versions));
    }

    internal static async Task<Results<Ok<ModelMetadata>, ProblemHttpResult>> GetVersionAsync(
        string name, int version, ModelStore store, CancellationToken cancellationToken)
    {
        if (!ModelStore.IsValidName(name))
        {
            return ApiProblems.BadRequest($"'{name}' is not a valid model name: {ResourceNames.Rule}");
        }

        var metadata = await store.GetMetadataAsync(name, version, cancellationToken);
        return metadata is null
            ? ApiProblems.NotFound($"model '{name}' has no version {version}", "Unknown model version")
            : TypedResults.Ok(metadata);
    }

    internal static async Task<Results<Accepted<TrainAccepted>, ProblemHttpResult>> TrainAsync(
        HttpRequest httpRequest, TrainingDataStoreProvider stores, TrainingJobStore jobs, TrainingQueue queue, PipelineConfig config, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<TrainRequest>(httpRequest, config.Serving.MaxRequestBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Model is { } requested && !ModelStore.IsValidName(requested))
        {
            return ApiProblems.BadRequest($"'{requested}' is not a valid model name: {ResourceNames.Rule}");
        }

        if (request.DatasetId is { } requestedId && !ResourceNames.IsValidDatasetId(requestedId))
        {
            return ApiProblems.BadRequest($"'{requestedId}' is not a dataset id: {ResourceNames.Rule}");
        }

        var store = await stores.GetAsync(cancellationToken);
        if (request.DatasetId is { } datasetId && !store.ListDatasets().Contains(datasetId, StringComparer.Ordinal))
        {
            return ApiProblems.NotFound($"no stored dataset '{datasetId}'", "Unknown dataset");
        }

        var model = request.Model
            ?? (request.DatasetId is null ? null : jobs.ModelOf(request.DatasetId))
            ?? config.Training.ModelName;
        var ticket = queue.TryEnqueue(new QueuedTraining(new TrainingRequest(model, request.DatasetId), DatasetCompleted: false));
        if (ticket.Outcome == TrainingQueueOutcome.Full)
        {
            return ApiProblems.Unavailable(httpRequest.HttpContext,
                $"{queue.Capacity} trainings are waiting (training.max_queued_trainings); retry once some have run",
                "Training queue full", TimeSpan.FromSeconds(30));
        }

        return TypedResults.Accepted("/api/models/" + model, new TrainAccepted(
            ticket.Outcome == TrainingQueueOutcome.Joined ? "joined" : "queued", ticket.TrainingId!, model, ticket.Request!.DatasetId));
    }
}
