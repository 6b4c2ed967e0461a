using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// The last resort behind every endpoint. A request Kestrel found malformed while the endpoint read it (a broken chunk
/// size, a body over Kestrel's limit, a body that stopped arriving) is that request's fault: it gets the 4xx Kestrel
/// chose with Kestrel's reason. A caller that went away gets nothing (nobody reads the answer). Anything else is a bug:
/// a 500 problem naming the trace id, logged once here at Error (the middleware's own log line is suppressed).
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.RequestAborted.IsCancellationRequested)
        {
            LogCallerGone(httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
            return true;
        }

        ProblemDetails problem;
        if (exception is BadHttpRequestException badRequest)
        {
            LogBadRequest(httpContext.Request.Method, httpContext.Request.Path, badRequest.StatusCode, badRequest.Message);
            problem = new ProblemDetails { Status = badRequest.StatusCode, Title = "Malformed request", Detail = badRequest.Message };
        }
        else
        {
            LogUnhandled(exception, httpContext.Request.Method, httpContext.Request.Path, httpContext.TraceIdentifier);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal server error",
                Detail = $"The service failed on this request ({exception.GetType().Name}); it is logged with trace id {httpContext.TraceIdentifier}.",
            };
        }

        httpContext.Response.StatusCode = problem.Status.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with an unhandled exception and was answered 500 (trace id {TraceId})")]
    private partial void LogUnhandled(Exception exception, string method, string path, string traceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}: malformed request answered {Status}: {Reason}")]
    private partial void LogBadRequest(string method, string path, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}: the caller went away mid-request ({Exception})")]
    private partial void LogCallerGone(string method, string path, string exception);
}
