using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Training;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>POST /api/ingest</c> (a file in the data folder), <c>POST /api/ingest/upload</c> (the CSV in the request) and
/// <c>GET /api/ingestions/{dataset_id}</c>. Both posts answer 202 at once; the ingestion stage streams the file.
/// </summary>
internal static class IngestionApi
{
    public sealed record IngestRequest(string? FilePath, string? Model, string? Label, string? Task = null);

    public sealed record IngestAccepted(string Status, string MessageId, string Message, string DatasetId);

    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ingest", IngestFileAsync)
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV inside the data folder: one RAW_DATA message per row or chunk, then a dataset-end marker.");
        app.MapPost("/api/ingest/upload", IngestUploadAsync)
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV sent as the body (text/csv) or as a multipart/form-data file; model, label and task (auto|regression|binary|multiclass) as query parameters.");
        app.MapGet("/api/ingestions/{datasetId}", GetProgressAsync)
            .WithTags("Ingestion")
            .WithSummary("Progress of an ingestion: rows read, published, processed, rejected, and its state.");
        return app;
    }

    internal static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> IngestFileAsync(
        IngestRequest request, DataPathResolver paths, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var taskProblem = InvalidTask(request.Task, out var task);
        if ((InvalidModel(request.Model) ?? taskProblem) is { } invalid)
        {
            return TypedResults.BadRequest(invalid);
        }
        var resolved = paths.Resolve(request.FilePath);
        switch (resolved.Problem)
        {
            case DataPathProblem.OutsideDataFolder:
                return TypedResults.BadRequest(new ProblemDetailsBody(resolved.Message!));
            case DataPathProblem.NotFound:
                return TypedResults.NotFound(new ProblemDetailsBody(resolved.Message!));
        }

        return await SubmitAsync(resolved.FullPath!, request.Model, request.Label, task, null, ingestions, config, cancellationToken);
    }

    internal static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> IngestUploadAsync(
        HttpRequest request, string? model, string? label, string? task, DataPathResolver paths, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var taskProblem = InvalidTask(task, out var requestedTask);
        if ((InvalidModel(model) ?? taskProblem) is { } invalid)
        {
            return TypedResults.BadRequest(invalid);
        }

        // A CSV of any size is streamed to disk, never buffered: lift Kestrel's 30 MB default for this endpoint.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var datasetId = ingestions.NewDatasetId();
        var uploads = Directory.CreateDirectory(Path.Combine(paths.DataRoot, config.Data.UploadsDir)).FullName;
        var target = Path.Combine(uploads, datasetId + ".csv");
        await using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            if (!await CopyBodyAsync(request, file, cancellationToken))
            {
                file.Close();
                File.Delete(target);
                return TypedResults.BadRequest(new ProblemDetailsBody("multipart/form-data upload has no file part"));
            }
        }

        return await SubmitAsync(target, model, label, requestedTask, datasetId, ingestions, config, cancellationToken);
    }

    internal static async Task<Results<Ok<IngestionProgress>, NotFound<ProblemDetailsBody>>> GetProgressAsync(
        string datasetId, IngestionService ingestions, TrainingDataStoreProvider stores, TrainingJobStore trainingJobs, CancellationToken cancellationToken)
    {
        var store = await stores.GetAsync(cancellationToken);
        var training = trainingJobs.IsDone(datasetId) ? "done" : trainingJobs.IsPending(datasetId) ? "pending" : null;
        var progress = IngestionProgress.Derive(datasetId, ingestions.Jobs.Get(datasetId), store.GetProgress(datasetId), training);
        return progress is null
            ? TypedResults.NotFound(new ProblemDetailsBody($"no ingestion '{datasetId}'"))
            : TypedResults.Ok(progress);
    }

    private static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> SubmitAsync(
        string path, string? model, string? label, TrainingTask? task, string? datasetId, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var modelName = string.IsNullOrWhiteSpace(model) ? config.Training.ModelName : model;
        var labelColumn = string.IsNullOrWhiteSpace(label) ? config.Data.LabelColumn : label;
        var job = await ingestions.SubmitAsync(path, modelName, labelColumn, datasetId, task, cancellationToken);
        if (job is null)
        {
            return TypedResults.Json(new ProblemDetailsBody("too many ingestions are waiting; retry later"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Accepted(
            $"/api/ingestions/{job.DatasetId}",
            new IngestAccepted("accepted", job.StartMessageId, $"Ingesting '{Path.GetFileName(path)}' as dataset {job.DatasetId} for model '{modelName}'", job.DatasetId));
    }

    private static async Task<bool> CopyBodyAsync(HttpRequest request, Stream destination, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            await request.Body.CopyToAsync(destination, cancellationToken);
            return true;
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return false;
        }

        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
            {
                await section.Body.CopyToAsync(destination, cancellationToken);
                return true;
            }
        }

        return false;
    }

    /// <summary>?task= (or the body's task): auto | regression | binary | multiclass; absent or auto leaves training.task in charge.</summary>
    private static ProblemDetailsBody? InvalidTask(string? text, out TrainingTask? task)
    {
        task = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!TaskInference.TryParseTask(text, out var parsed))
        {
            return new ProblemDetailsBody($"task '{text}' is not one of auto, regression, binary, multiclass");
        }

        task = parsed == TrainingTask.Auto ? null : parsed;
        return null;
    }

    private static ProblemDetailsBody? InvalidModel(string? model) =>
        model is null || ModelStore.IsValidName(model)
            ? null
            : new ProblemDetailsBody($"model '{model}' is not a valid model name: letters, digits, '.', '_' or '-', not starting with '.'");
}

/// <summary>The body of a 4xx/5xx answer: one clear sentence.</summary>
internal sealed record ProblemDetailsBody(string Error);
