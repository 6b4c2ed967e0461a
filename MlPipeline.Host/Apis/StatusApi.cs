using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;
using MlPipeline.Core.Serving;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Host.Apis;

/// <summary>
/// <c>GET /api/status</c>: one document with everything an operator looks at first. It always answers 200 —
/// a broken dependency is reported as <c>healthy: false</c> with the details, not as a server error. Kafka's part
/// comes from the background collector's snapshot (<see cref="KafkaStatusSnapshots"/>): a status request never calls
/// the broker, so any number of callers cost the broker nothing.
/// </summary>
internal static class StatusApi
{
    public sealed record BrokerStatus(string Mode, string BootstrapServers);

    public sealed record TopicsStatus(bool Ready, string? LastError);

    /// <summary>When Kafka's part was collected, how often it is, and why the latest collection failed (if it did).</summary>
    public sealed record KafkaCollectionStatus(DateTimeOffset CollectedAt, double IntervalSeconds, long Collections, string? Error);

    /// <summary>
    /// Who goes first under load: HTTP predictions beyond the bound are refused at once (503), the Kafka path works at
    /// most <paramref name="KafkaRequestsInFlightBound"/> requests ahead, the broker answers from threads of its own and
    /// Kafka's state is read in the background, never by a request.
    /// </summary>
    public sealed record LoadPolicyStatus(
        bool LoadShedding,
        int MaxWaitingHttpPredictions,
        int HttpPredictionsInProgress,
        long HttpPredictionsRefused,
        int KafkaRequestsInFlightBound,
        string BrokerThreads,
        double KafkaStatusIntervalSeconds);

    public sealed record StatusResponse(
        string Service,
        string Version,
        DateTimeOffset StartedAt,
        double UptimeSeconds,
        bool Healthy,
        BrokerStatus Broker,
        TopicsStatus Topics,
        KafkaHealthReport Kafka,
        KafkaCollectionStatus KafkaCollection,
        IReadOnlyList<StageSnapshot> Stages,
        IReadOnlyList<ConsumerGroupLag> Lag,
        IReadOnlyDictionary<string, long> Produced,
        IReadOnlyList<ModelSnapshot> Models,
        IReadOnlyList<FeatureDrift> Drift,
        double DriftThreshold,
        IReadOnlyList<PredictionSnapshot> Predictions,
        PredictionResultDeliverySnapshot ResultDelivery,
        LoadPolicyStatus LoadPolicy,
        IReadOnlyList<AlertEvent> Alerts);

    // A request that arrives while the service starts waits this long at most for the first collection.
    private static readonly TimeSpan FirstCollectionWait = TimeSpan.FromSeconds(5);

    private static readonly string Version =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatusAsync)
            .WithTags("Status")
            .WithSummary("Service, broker, topics, stages with throughput, consumer lag, models, drift and open alerts at a glance.");
        return app;
    }

    internal static async Task<StatusResponse> GetStatusAsync(
        KafkaStatusSnapshots kafkaStatus,
        KafkaStatusCollector collector,
        TopicProvisioningService topics,
        KafkaEndpoint endpoint,
        ServiceClock clock,
        TimeProvider timeProvider,
        MonitoringSnapshotBuilder monitoring,
        AlertTracker alerts,
        PredictionResultDeliveryMetrics resultDelivery,
        PipelineConfig config,
        PredictionAdmission admission,
        CancellationToken cancellationToken)
    {
        var kafkaSnapshot = await kafkaStatus.GetAsync(FirstCollectionWait, cancellationToken);
        var kafka = kafkaSnapshot.Report;
        var snapshot = monitoring.Build(kafkaSnapshot);
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
            KafkaCollection: new KafkaCollectionStatus(
                kafkaSnapshot.CollectedAt, collector.Interval.TotalSeconds, kafkaSnapshot.Collections, kafkaSnapshot.CollectionError),
            Stages: snapshot.Stages,
            Lag: snapshot.Lag,
            Produced: snapshot.Produced,
            Models: snapshot.Models,
            Drift: snapshot.Drift,
            DriftThreshold: config.Alerts.Drift.Threshold,
            Predictions: snapshot.Predictions,
            ResultDelivery: resultDelivery.Snapshot(),
            LoadPolicy: new LoadPolicyStatus(
                admission.Enabled,
                admission.Limit,
                admission.Inside,
                admission.Refused,
                config.Serving.BatchSize,
                endpoint.Mode == BrokerMode.Embedded ? "embedded broker: one dedicated thread per connection, blocking sockets" : "external broker",
                collector.Interval.TotalSeconds),
            Alerts: alerts.Open);
    }
}
