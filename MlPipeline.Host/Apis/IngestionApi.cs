using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using MlPipeline.Core.Data;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Training;
using MlPipeline.Host.Apis.Http;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>POST /api/ingest</c> (a file in the data folder), <c>POST /api/ingest/upload</c> (the CSV in the request) and
/// <c>GET /api/ingestions/{dataset_id}</c>. Both posts answer 202 at once; the ingestion stage streams the file.
/// </summary>
internal static class IngestionApi
{
    public sealed record IngestRequest(string? FilePath, string? Model, string? Label, string? Task = null);

    public sealed record IngestAccepted(string Status, string MessageId, string Message, string DatasetId);

    /// <summary>RFC 2046 §5.1.1: a multipart boundary is 1 to 70 characters.</summary>
    private const int MaxBoundaryLength = 70;

    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        var ingest = app.MapGroup("/api/ingest").RequireApiRole(ApiAccess.Admin);
        var progress = app.MapGroup("/api/ingestions").RequireApiRole(ApiAccess.Predict);
        ingest.MapPost("", IngestFileAsync)
            .WithJsonRequestBody<IngestRequest>()
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV inside the data folder: one RAW_DATA message per row or chunk, then a dataset-end marker.");
        ingest.MapPost("/upload", IngestUploadAsync)
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV sent as the body (text/csv) or as a multipart/form-data file; model, label and task (auto|regression|binary|multiclass) as query parameters.");
        progress.MapGet("/{datasetId}", GetProgressAsync)
            .WithTags("Ingestion")
            .WithSummary("Progress of an ingestion: rows read, published, processed, rejected, and its state.");
        return app;
    }

    internal static async Task<Results<Accepted<IngestAccepted>, ProblemHttpResult>> IngestFileAsync(
        HttpRequest httpRequest, DataPathResolver paths, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<IngestRequest>(httpRequest, config.Serving.MaxRequestBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var taskProblem = InvalidTask(request!.Task, out var task);
        if ((InvalidModel(request.Model) ?? taskProblem) is { } invalid)
        {
            return invalid;
        }

        var resolved = paths.Resolve(request.FilePath);
        switch (resolved.Problem)
        {
            case DataPathProblem.OutsideDataFolder:
                return ApiProblems.BadRequest(resolved.Message!);
            case DataPathProblem.NotFound:
                return ApiProblems.NotFound(resolved.Message!);
        }

        return await SubmitAsync(httpRequest.HttpContext, resolved.FullPath!, request.Model, request.Label, task, null, ingestions, config, cancellationToken);
    }

    internal static async Task<Results<Accepted<IngestAccepted>, ProblemHttpResult>> IngestUploadAsync(
        HttpRequest request, string? model, string? label, string? task, UploadStore uploads, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var taskProblem = InvalidTask(task, out var requestedTask);
        if ((InvalidModel(model) ?? taskProblem) is { } invalid)
        {
            return invalid;
        }

        if (UploadProblem(request.ContentType) is { } refused)
        {
            return refused;
        }

        // Refused before a byte of the body is read: an upload that cannot be kept is not written.
        if (request.ContentLength > uploads.MaxBytes)
        {
            return UploadTooLarge(uploads);
        }

        if (ingestions.IsFull)
        {
            return QueueFull(request.HttpContext, config);
        }

        // Streamed to disk, never buffered, up to data.max_upload_bytes (also for bodies without Content-Length).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = uploads.MaxBytes;
        }

        var datasetId = ingestions.NewDatasetId();
        // Deleted on dispose unless kept: a malformed or cut-off body, a refusal or an exception leaves no file; a killed
        // host's partial upload is removed at the next start (LeftoverFileCleanup).
        await using var upload = uploads.Create(datasetId);
        string? bodyProblem;
        try
        {
            bodyProblem = await CopyBodyAsync(request, upload.Stream, cancellationToken);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadTooLarge(uploads);
        }

        if (bodyProblem is null && upload.Stream.Length == 0)
        {
            bodyProblem = "the upload is empty: send the CSV as the body (text/csv) or as a multipart/form-data file";
        }

        if (bodyProblem is not null)
        {
            return ApiProblems.BadRequest(bodyProblem);
        }

        await upload.CompleteAsync();
        var submitted = await SubmitAsync(request.HttpContext, upload.Path, model, label, requestedTask, datasetId, ingestions, config, cancellationToken);
        if (submitted.Result is Accepted<IngestAccepted>)
        {
            upload.Keep();
        }

        return submitted;
    }

    private static ProblemHttpResult UploadTooLarge(UploadStore uploads) =>
        ApiProblems.PayloadTooLarge($"the upload exceeds {uploads.MaxBytes} bytes (data.max_upload_bytes)");

    private static ProblemHttpResult QueueFull(HttpContext context, PipelineConfig config) =>
        ApiProblems.Unavailable(context, $"{config.Data.IngestionQueueCapacity} ingestions are waiting (data.ingestion_queue_capacity); retry later",
            "Ingestion queue full", TimeSpan.FromSeconds(5));

    internal static async Task<Results<Ok<IngestionProgress>, ProblemHttpResult>> GetProgressAsync(
        string datasetId, IngestionService ingestions, TrainingDataStoreProvider stores, TrainingJobStore trainingJobs, CancellationToken cancellationToken)
    {
        if (!ResourceNames.IsValidDatasetId(datasetId))
        {
            return ApiProblems.NotFound($"'{datasetId}' is not a dataset id: {ResourceNames.Rule}", "Unknown ingestion");
        }

        var store = await stores.GetAsync(cancellationToken);
        var training = trainingJobs.IsDone(datasetId) ? "done" : trainingJobs.IsPending(datasetId) ? "pending" : null;
        var progress = IngestionProgress.Derive(datasetId, ingestions.Jobs.Get(datasetId), store.GetProgress(datasetId), training);
        return progress is null
            ? ApiProblems.NotFound($"no ingestion '{datasetId}'", "Unknown ingestion")
            : TypedResults.Ok(progress);
    }

    private static async Task<Results<Accepted<IngestAccepted>, ProblemHttpResult>> SubmitAsync(
        HttpContext context, string path, string? model, string? label, TrainingTask? task, string? datasetId, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var modelName = string.IsNullOrWhiteSpace(model) ? config.Training.ModelName : model;
        var labelColumn = string.IsNullOrWhiteSpace(label) ? config.Data.LabelColumn : label;
        var job = await ingestions.SubmitAsync(path, modelName, labelColumn, datasetId, task, cancellationToken);
        if (job is null)
        {
            return QueueFull(context, config);
        }

        return TypedResults.Accepted(
            $"/api/ingestions/{job.DatasetId}",
            new IngestAccepted("accepted", job.StartMessageId, $"Ingesting '{Path.GetFileName(path)}' as dataset {job.DatasetId} for model '{modelName}'", job.DatasetId));
    }

    /// <summary>A 415 for a charset the CSV reader (UTF-8) would misread, a 400 for an unusable multipart boundary.</summary>
    private static ProblemHttpResult? UploadProblem(string? contentTypeHeader)
    {
        if (contentTypeHeader is null)
        {
            return null;
        }

        if (!MediaTypeHeaderValue.TryParse(contentTypeHeader, out var contentType))
        {
            return ApiProblems.UnsupportedMediaType($"Content-Type '{contentTypeHeader}' cannot be parsed; send text/csv or multipart/form-data");
        }

        if (JsonRequestBody.UnsupportedCharset(contentType) is { } charset)
        {
            return ApiProblems.UnsupportedMediaType($"charset '{charset}' is not supported: send the CSV as UTF-8 (charset=utf-8)");
        }

        if (!IsMultipart(contentType))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary);
        if (StringSegment.IsNullOrEmpty(boundary))
        {
            return ApiProblems.BadRequest("multipart/form-data upload has no boundary parameter in its Content-Type");
        }

        return boundary.Length > MaxBoundaryLength
            ? ApiProblems.BadRequest($"the multipart boundary is {boundary.Length} characters long; RFC 2046 allows at most {MaxBoundaryLength}")
            : null;
    }

    /// <summary>Copies the CSV (the body, or the multipart file part) to <paramref name="destination"/>; the reason it could not, or null.</summary>
    private static async Task<string?> CopyBodyAsync(HttpRequest request, Stream destination, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !IsMultipart(contentType))
        {
            await request.Body.CopyToAsync(destination, cancellationToken);
            return null;
        }

        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(contentType.Boundary).Value!, request.Body);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
                {
                    await CopySectionAsync(section.Body, destination, cancellationToken);
                    return null;
                }
            }
        }
        catch (Exception exception) when (exception is InvalidDataException || (exception is IOException and not BadHttpRequestException))
        {
            // MultipartReader's words for a body that does not follow its boundary (no boundary line, a section header
            // over its limits, the stream ending mid-part).
            return $"the multipart/form-data body is malformed: {exception.Message}";
        }
        catch (MultipartWriteException exception)
        {
            throw exception.InnerException!;
        }

        return "multipart/form-data upload has no file part";
    }

    /// <summary>
    /// Copies a multipart section; a failure to write the file (the service's disk) is wrapped so that it is not taken
    /// for a malformed body, which fails on the read side.
    /// </summary>
    private static async Task CopySectionAsync(Stream section, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await section.ReadAsync(buffer, cancellationToken)) > 0)
        {
            try
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            catch (IOException exception)
            {
                throw new MultipartWriteException(exception);
            }
        }
    }

    private sealed class MultipartWriteException(IOException inner) : Exception(inner.Message, inner);

    private static bool IsMultipart(MediaTypeHeaderValue contentType) =>
        contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>?task= (or the body's task): auto | regression | binary | multiclass; absent or auto leaves training.task in charge.</summary>
    private static ProblemHttpResult? InvalidTask(string? text, out TrainingTask? task)
    {
        task = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!TaskInference.TryParseTask(text, out var parsed))
        {
            return ApiProblems.BadRequest($"task '{text}' is not one of auto, regression, binary, multiclass");
        }

        task = parsed == TrainingTask.Auto ? null : parsed;
        return null;
    }

    private static ProblemHttpResult? InvalidModel(string? model) =>
        model is null || ModelStore.IsValidName(model)
            ? null
            : ApiProblems.BadRequest($"model '{model}' is not a valid model name: {ResourceNames.Rule}");
}
