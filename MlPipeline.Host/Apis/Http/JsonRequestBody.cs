using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// Reads a JSON request body by hand instead of letting the framework bind it, so that each way a body can be wrong
/// gets a 4xx that says what was wrong, never a 500: a content type that is not JSON or a charset other than UTF-8
/// (415), a body over the limit, bytes that are not strict JSON (<see cref="StrictJson"/>) or do not fit the expected
/// shape (400).
/// </summary>
internal static class JsonRequestBody
{
    /// <summary>The body as a JSON object, or the problem answer that says why it is not one.</summary>
    public static async Task<(JsonObject? Body, ProblemHttpResult? Problem)> ReadObjectAsync(
        HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var (bytes, problem) = await ReadStrictAsync(request, maxBytes, cancellationToken);
        if (problem is not null)
            return (null, problem);
        var root = JsonNode.Parse(bytes);
        return root is JsonObject body
            ? (body, null)
            : (null, ApiProblems.BadRequest($"the body must be a JSON object, got {root?.GetValueKind().ToString() ?? "null"}"));
    }

    /// <summary>The body bound to <typeparamref name="T"/> (snake_case, unknown keys ignored), or the problem answer.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, int maxBytes, CancellationToken cancellationToken) where T : class
    {
        var (bytes, problem) = await ReadStrictAsync(request, maxBytes, cancellationToken);
        if (problem is not null)
            return (null, problem);
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, JsonDefaults.Options);
            return value is null
                ? (null, ApiProblems.BadRequest("the body must be a JSON object, got null"))
                : (value, null);
        }
        catch (JsonException exception)
        {
            return (null, ApiProblems.BadRequest($"the body does not have the expected shape: {exception.Message}"));
        }
    }

    /// <summary>
    /// The charset named by <paramref name="contentType"/> unless it is one UTF-8 decoding reads correctly (absent,
    /// utf-8, us-ascii); null when the body may be read as UTF-8.
    /// </summary>
    public static string? UnsupportedCharset(MediaTypeHeaderValue contentType)
    {
        var charset = HeaderUtilities.RemoveQuotes(contentType.Charset).Value;
        if (string.IsNullOrEmpty(charset))
            return null;
        return charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
            ? null
            : charset;
    }

    private static async Task<(byte[] Bytes, ProblemHttpResult? Problem)> ReadStrictAsync(
        HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !IsJson(contentType))
            return ([], ApiProblems.UnsupportedMediaType($"Content-Type must be application/json, got '{request.ContentType ?? "none"}'"));
        if (UnsupportedCharset(contentType) is { } charset)
            return ([], ApiProblems.UnsupportedMediaType($"charset '{charset}' is not supported: send the JSON as UTF-8 (charset=utf-8)"));

        var tooLarge = $"the body exceeds {maxBytes} bytes (serving.max_request_bytes)";
        if (request.ContentLength > maxBytes)
            return ([], ApiProblems.BadRequest(tooLarge));

        // Content-Length may be absent (chunked): read at most one byte past the limit.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
                return ([], ApiProblems.BadRequest(tooLarge));
        }

        var bytes = buffer.ToArray();
        return StrictJson.FindProblem(bytes) is { } problem
            ? ([], ApiProblems.BadRequest(problem))
            : (bytes, null);
    }

    private static bool IsJson(MediaTypeHeaderValue contentType) =>
        contentType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || (contentType.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
            && contentType.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
