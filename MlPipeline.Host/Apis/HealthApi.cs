using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>GET /health</c> (every health check, for load balancers and service managers) and <c>GET /api/health/kafka</c>.
/// Both read the background collector's Kafka snapshot (<see cref="KafkaStatusSnapshots"/>); neither calls the broker.
/// </summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        // 200 while healthy or degraded (still serving), 503 when unhealthy: what load balancers expect.
        // GET and HEAD only: routing answers any other method 405 (health checks would otherwise answer every method).
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthReportAsync })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .WithTags("Health");
        app.MapGet("/api/health/kafka", GetKafkaHealthAsync)
            .WithTags("Health")
            .WithSummary("Kafka health: broker reachable, round-trip time, configured topics present, consumer lag.");
        return app;
    }

    internal static async Task<Results<Ok<KafkaHealthReport>, JsonHttpResult<KafkaHealthReport>>> GetKafkaHealthAsync(
        KafkaStatusSnapshots kafkaStatus, CancellationToken cancellationToken)
    {
        var report = (await kafkaStatus.GetAsync(TimeSpan.FromSeconds(5), cancellationToken)).Report;
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(report);
    }

    private static Task WriteHealthReportAsync(HttpContext context, HealthReport report)
    {
        var body = new
        {
            status = report.Status.ToString(),
            duration_ms = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description,
                    data = entry.Value.Data,
                }),
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonDefaults.Options), context.RequestAborted);
    }
}
