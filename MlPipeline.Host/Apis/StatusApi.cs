using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;
using MlPipeline.Host.Hosting;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>GET /api/status</c>: one document with everything an operator looks at first. It always answers 200 —
/// a broken dependency is reported as <c>healthy: false</c> with the details, not as a server error.
/// </summary>
internal static class StatusApi
{
    public sealed record BrokerStatus(string Mode, string BootstrapServers);

    public sealed record TopicsStatus(bool Ready, string? LastError);

    public sealed record StatusResponse(
        string Service,
        string Version,
        DateTimeOffset StartedAt,
        double UptimeSeconds,
        bool Healthy,
        BrokerStatus Broker,
        TopicsStatus Topics,
        KafkaHealthReport Kafka,
        IReadOnlyList<StageSnapshot> Stages,
        IReadOnlyList<ConsumerGroupLag> Lag,
        IReadOnlyDictionary<string, long> Produced,
        IReadOnlyList<ModelSnapshot> Models,
        IReadOnlyList<FeatureDrift> Drift,
        double DriftThreshold,
        IReadOnlyList<PredictionSnapshot> Predictions,
        PredictionResultDeliverySnapshot ResultDelivery,
        IReadOnlyList<AlertEvent> Alerts);

    private static readonly string Version =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/status").RequireApiRole(ApiAccess.Predict);
        api.MapGet("", GetStatusAsync)
            .WithTags("Status")
            .WithSummary("Service, broker, topics, stages with throughput, consumer lag, models, drift and open alerts at a glance.");
        return app;
    }

    internal static async Task<StatusResponse> GetStatusAsync(
        KafkaHealthChecker checker,
        TopicProvisioningService topics,
        KafkaEndpoint endpoint,
        ServiceClock clock,
        TimeProvider timeProvider,
        MonitoringSnapshotBuilder monitoring,
        AlertTracker alerts,
        PredictionResultDeliveryMetrics resultDelivery,
        PipelineConfig config,
        CancellationToken cancellationToken)
    {
        var kafka = await checker.GetReportAsync(cancellationToken);
        var snapshot = await monitoring.BuildAsync(kafka, cancellationToken);
        var now = timeProvider.GetUtcNow();
        return new StatusResponse(
            Service: "mlpipeline",
            Version: Version,
            StartedAt: clock.StartedAt,
            UptimeSeconds: Math.Round((now - clock.StartedAt).TotalSeconds, 1),
            Healthy: kafka.Status == HealthStatus.Healthy && topics.IsReady,
            Broker: new BrokerStatus(endpoint.Mode.ToString().ToLowerInvariant(), endpoint.BootstrapServers),
            Topics: new TopicsStatus(topics.IsReady, topics.LastError),
            Kafka: kafka,
            Stages: snapshot.Stages,
            Lag: snapshot.Lag,
            Produced: snapshot.Produced,
            Models: snapshot.Models,
            Drift: snapshot.Drift,
            DriftThreshold: config.Alerts.Drift.Threshold,
            Predictions: snapshot.Predictions,
            ResultDelivery: resultDelivery.Snapshot(),
            Alerts: alerts.Open);
    }
}
