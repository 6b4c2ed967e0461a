using Microsoft.AspNetCore.Http.HttpResults;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Training;

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

    public sealed record TrainAccepted(string Status, string Model, string? DatasetId);

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/models").WithTags("Models");
        models.MapGet("", ListModelsAsync).WithSummary("Every model name with its current version and metrics.");
        models.MapGet("/{name}", GetModelAsync).WithSummary("A model's stored versions (with holdout metrics) and its current version.");
        models.MapGet("/{name}/{version:int}", GetVersionAsync).WithSummary("The metadata stored with one model version.");
        app.MapPost("/api/train", TrainAsync)
            .WithTags("Models")
            .WithSummary("Train a model on one stored dataset, or on all stored data of that model; runs in the background.");
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

    internal static async Task<Results<Ok<ModelDetails>, NotFound<ProblemDetailsBody>, BadRequest<ProblemDetailsBody>>> GetModelAsync(
        string name, ModelStore store, CancellationToken cancellationToken)
    {
        if (!ModelStore.IsValidName(name))
        {
            return TypedResults.BadRequest(new ProblemDetailsBody($"'{name}' is not a valid model name"));
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
            return TypedResults.NotFound(new ProblemDetailsBody($"no model '{name}'"));
        }

        return TypedResults.Ok(new ModelDetails(name, await store.GetCurrentAsync(name, cancellationToken), versions));
    }

    internal static async Task<Results<Ok<ModelMetadata>, NotFound<ProblemDetailsBody>, BadRequest<ProblemDetailsBody>>> GetVersionAsync(
        string name, int version, ModelStore store, CancellationToken cancellationToken)
    {
        if (!ModelStore.IsValidName(name))
        {
            return TypedResults.BadRequest(new ProblemDetailsBody($"'{name}' is not a valid model name"));
        }

        var metadata = await store.GetMetadataAsync(name, version, cancellationToken);
        return metadata is null
            ? TypedResults.NotFound(new ProblemDetailsBody($"model '{name}' has no version {version}"))
            : TypedResults.Ok(metadata);
    }

    internal static async Task<Results<Accepted<TrainAccepted>, NotFound<ProblemDetailsBody>, BadRequest<ProblemDetailsBody>>> TrainAsync(
        TrainRequest request, TrainingDataStoreProvider stores, TrainingJobStore jobs, TrainingQueue queue, PipelineConfig config, CancellationToken cancellationToken)
    {
        if (request.Model is { } requested && !ModelStore.IsValidName(requested))
        {
            return TypedResults.BadRequest(new ProblemDetailsBody($"'{requested}' is not a valid model name"));
        }

        var store = await stores.GetAsync(cancellationToken);
        if (request.DatasetId is { } datasetId && !store.ListDatasets().Contains(datasetId, StringComparer.Ordinal))
        {
            return TypedResults.NotFound(new ProblemDetailsBody($"no stored dataset '{datasetId}'"));
        }

        var model = request.Model
            ?? (request.DatasetId is null ? null : jobs.ModelOf(request.DatasetId))
            ?? config.Training.ModelName;
        queue.Enqueue(new QueuedTraining(new TrainingRequest(model, request.DatasetId), DatasetCompleted: false));
        return TypedResults.Accepted("/api/models/" + model, new TrainAccepted("queued", model, request.DatasetId));
    }
}
