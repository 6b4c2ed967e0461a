using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring.Alerts;
using MlPipeline.Host.Hosting;
using Prometheus;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>GET /api/alerts</c> (open and recent alerts), <c>GET /metrics</c> (Prometheus text format) and the dashboard:
/// <c>GET /</c> plus its script and style under <c>/dashboard/</c>, embedded in this assembly so the page needs no
/// build step, no web root on disk and no network.
/// </summary>
internal static class MonitoringApi
{
    private const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly Dictionary<string, string> DashboardContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    public sealed record AlertsResponse(IReadOnlyList<AlertEvent> Open, IReadOnlyList<AlertEvent> Recent);

    public static IEndpointRouteBuilder MapMonitoringApi(this IEndpointRouteBuilder app)
    {
        // The meter adapter only sees measurements made after it starts listening: start it now, while the host is
        // built, not at the first scrape, so messages handled before anyone scraped are counted too.
        _ = app.ServiceProvider.GetRequiredService<PrometheusExporter>();
        app.MapGet("/api/alerts", GetAlerts)
            .WithTags("Monitoring")
            .WithSummary("Alerts firing now and the latest alert events (firing and resolved), newest first.");
        app.MapGet("/metrics", WriteMetricsAsync)
            .WithTags("Monitoring")
            .WithSummary("Prometheus text exposition of the MlPipeline meter.")
            .ExcludeFromDescription();
        app.MapGet("/", () => Dashboard("index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", Dashboard).ExcludeFromDescription();
        return app;
    }

    internal static Ok<AlertsResponse> GetAlerts(AlertTracker alerts) => TypedResults.Ok(new AlertsResponse(alerts.Open, alerts.Recent));

    private static async Task WriteMetricsAsync(HttpContext context, PrometheusExporter exporter)
    {
        context.Response.ContentType = PrometheusContentType;
        await exporter.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    private static Results<FileStreamHttpResult, NotFound> Dashboard(string file)
    {
        var stream = DashboardContentTypes.TryGetValue(file, out _)
            ? Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{file}")
            : null;
        return stream is null ? TypedResults.NotFound() : TypedResults.Stream(stream, DashboardContentTypes[file]);
    }
}
