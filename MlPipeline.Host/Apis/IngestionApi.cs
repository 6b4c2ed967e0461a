using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Training;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>POST /api/ingest</c> (a file in the data folder), <c>POST /api/ingest/upload</c> (the CSV in the request) and
/// <c>GET /api/ingestions/{dataset_id}</c>. Both posts answer 202 at once; the ingestion stage streams the file.
/// </summary>
internal static class IngestionApi
{
    public sealed record IngestRequest(string? FilePath, string? Model, string? Label);

    public sealed record IngestAccepted(string Status, string MessageId, string Message, string DatasetId);

    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        var ingest = app.MapGroup("/api/ingest").RequireApiRole(ApiAccess.Admin);
        var progress = app.MapGroup("/api/ingestions").RequireApiRole(ApiAccess.Predict);
        ingest.MapPost("", IngestFileAsync)
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV inside the data folder: one RAW_DATA message per row or chunk, then a dataset-end marker.");
        ingest.MapPost("/upload", IngestUploadAsync)
            .WithTags("Ingestion")
            .WithSummary("Ingest a CSV sent as the body (text/csv) or as a multipart/form-data file; model and label as query parameters.");
        progress.MapGet("/{datasetId}", GetProgressAsync)
            .WithTags("Ingestion")
            .WithSummary("Progress of an ingestion: rows read, published, processed, rejected, and its state.");
        return app;
    }

    internal static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> IngestFileAsync(
        IngestRequest request, DataPathResolver paths, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        if (InvalidModel(request.Model) is { } invalid)
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

        return await SubmitAsync(resolved.FullPath!, request.Model, request.Label, null, ingestions, config, cancellationToken);
    }

    internal static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> IngestUploadAsync(
        HttpRequest request, string? model, string? label, UploadStore uploads, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        if (InvalidModel(model) is { } invalid)
        {
            return TypedResults.BadRequest(invalid);
        }

        // Refused before a byte of the body is read: an upload that cannot be kept is not written.
        if (request.ContentLength > uploads.MaxBytes)
        {
            return UploadTooLarge(uploads);
        }

        if (ingestions.IsFull)
        {
            return QueueFull();
        }

        // Streamed to disk, never buffered, up to data.max_upload_bytes (also for bodies without Content-Length).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = uploads.MaxBytes;
        }

        var datasetId = ingestions.NewDatasetId();
        // Deleted on dispose unless kept: a cut-off body, a refusal or an exception leaves no file.
        await using var upload = uploads.Create(datasetId);
        try
        {
            if (!await CopyBodyAsync(request, upload.Stream, cancellationToken))
            {
                return TypedResults.BadRequest(new ProblemDetailsBody("multipart/form-data upload has no file part"));
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadTooLarge(uploads);
        }

        await upload.CloseAsync();
        var submitted = await SubmitAsync(upload.Path, model, label, datasetId, ingestions, config, cancellationToken);
        if (submitted.Result is Accepted<IngestAccepted>)
        {
            upload.Keep();
        }

        return submitted;
    }

    private static JsonHttpResult<ProblemDetailsBody> UploadTooLarge(UploadStore uploads) =>
        TypedResults.Json(
            new ProblemDetailsBody($"the upload exceeds {uploads.MaxBytes} bytes (data.max_upload_bytes)"),
            statusCode: StatusCodes.Status413PayloadTooLarge);

    private static JsonHttpResult<ProblemDetailsBody> QueueFull() =>
        TypedResults.Json(new ProblemDetailsBody("too many ingestions are waiting; retry later"), statusCode: StatusCodes.Status503ServiceUnavailable);

    internal static async Task<Results<Ok<IngestionProgress>, NotFound<ProblemDetailsBody>>> GetProgressAsync(
        string datasetId, IngestionService ingestions, TrainingDataStoreProvider stores, TrainingJobStore trainingJobs, CancellationToken cancellationToken)
    {
        if (!ResourceNames.IsValidDatasetId(datasetId))
        {
            return TypedResults.NotFound(new ProblemDetailsBody($"'{datasetId}' is not a dataset id: {ResourceNames.Rule}"));
        }

        var store = await stores.GetAsync(cancellationToken);
        var training = trainingJobs.IsDone(datasetId) ? "done" : trainingJobs.IsPending(datasetId) ? "pending" : null;
        var progress = IngestionProgress.Derive(datasetId, ingestions.Jobs.Get(datasetId), store.GetProgress(datasetId), training);
        return progress is null
            ? TypedResults.NotFound(new ProblemDetailsBody($"no ingestion '{datasetId}'"))
            : TypedResults.Ok(progress);
    }

    private static async Task<Results<Accepted<IngestAccepted>, BadRequest<ProblemDetailsBody>, NotFound<ProblemDetailsBody>, JsonHttpResult<ProblemDetailsBody>>> SubmitAsync(
        string path, string? model, string? label, string? datasetId, IngestionService ingestions, PipelineConfig config, CancellationToken cancellationToken)
    {
        var modelName = string.IsNullOrWhiteSpace(model) ? config.Training.ModelName : model;
        var labelColumn = string.IsNullOrWhiteSpace(label) ? config.Data.LabelColumn : label;
        var job = await ingestions.SubmitAsync(path, modelName, labelColumn, datasetId, cancellationToken);
        if (job is null)
        {
            return QueueFull();
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

    private static ProblemDetailsBody? InvalidModel(string? model) =>
        model is null || ModelStore.IsValidName(model)
            ? null
            : new ProblemDetailsBody($"model '{model}' is not a valid model name: {ResourceNames.Rule}");
}

/// <summary>The body of a 4xx/5xx answer: one clear sentence.</summary>
internal sealed record ProblemDetailsBody(string Error);
