using Microsoft.AspNetCore.WebUtilities;

namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// One error shape for the whole API: RFC 7807 problems from the endpoints, from <see cref="ApiExceptionHandler"/> and,
/// for answers that would otherwise have no body (404 for an unknown path, 405 for a wrong method, 415 from routing),
/// from the status-code-pages middleware, each with a <c>detail</c> sentence.
/// </summary>
internal static class ApiErrorHandling
{
    public static IServiceCollection AddApiErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= DefaultDetail(context.HttpContext));
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    /// <summary>Must come first in the pipeline, so that it sees every endpoint's exceptions and empty error answers.</summary>
    public static IApplicationBuilder UseApiErrorHandling(this IApplicationBuilder app)
    {
        // ApiExceptionHandler logs what it handles, once, at the level it deserves.
        app.UseExceptionHandler(new ExceptionHandlerOptions { SuppressDiagnosticsCallback = _ => true });
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            context.Request.Body = new RequestBodyStream(context.Request.Body);
            return next(context);
        });
        return app;
    }

    private static string AllowedMethods(HttpContext context) =>
        context.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? allow : "other methods";

    private static string DefaultDetail(HttpContext context)
    {
        var request = context.Request;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"Nothing is served at {request.Path}; /openapi/v1.json lists the endpoints.",
            StatusCodes.Status405MethodNotAllowed =>
                $"{request.Method} is not allowed on {request.Path}; it answers {AllowedMethods(context)}.",
            _ => ReasonPhrases.GetReasonPhrase(context.Response.StatusCode) is { Length: > 0 } phrase
                ? $"{phrase} ({request.Method} {request.Path})."
                : $"{request.Method} {request.Path} answered {context.Response.StatusCode}.",
        };
    }
}
