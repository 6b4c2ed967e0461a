using Microsoft.AspNetCore.Http.HttpResults;

namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// Every error answer of the API: an RFC 7807 problem (<c>application/problem+json</c>) whose <c>title</c> names the
/// kind of failure and whose <c>detail</c> is the one sentence a caller needs (what was wrong, what to do).
/// </summary>
internal static class ApiProblems
{
    public static ProblemHttpResult BadRequest(string detail, string title = "Invalid request") =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult NotFound(string detail, string title = "Not found") =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        TypedResults.Problem(title: "Unsupported media type", detail: detail, statusCode: StatusCodes.Status415UnsupportedMediaType);

    /// <summary>503, with a Retry-After header telling the caller when trying again makes sense.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, string detail, string title, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
