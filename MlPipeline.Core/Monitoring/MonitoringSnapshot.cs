using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Monitoring;

/// <summary>One stage (consumer group): its subscription state and what it did with messages.</summary>
/// <param name="State">The subscription's state (starting, running, stopping, stopped, faulted), or <c>inactive</c> when this host has no subscription for the group.</param>
/// <param name="ThroughputPerSecond">Handled messages per second over the last complete minute (or 60 buckets if shorter).</param>
/// <param name="Series">Handled messages per bucket of <paramref name="BucketSeconds"/>, oldest first.</param>
public sealed record StageSnapshot(
    string Stage,
    string GroupId,
    string State,
    IReadOnlyList<string> Topics,
    long Consumed,
    long Handled,
    long Failed,
    long Retried,
    long DeadLettered,
    double ThroughputPerSecond,
    double BucketSeconds,
    IReadOnlyList<long> Series);

/// <summary>A model as monitoring sees it: the current version and its metrics, plus the training history that alerts use.</summary>
public sealed record ModelSnapshot(
    string Model,
    int? CurrentVersion,
    double? RSquared,
    double? RootMeanSquaredError,
    double? MeanAbsoluteError,
    string LastEvent,
    DateTimeOffset LastEventAt,
    string? LastFailure);

/// <summary>Everything monitoring measured at one moment: what status, the dashboard, the snapshots on Kafka and the alert rules read.</summary>
/// <param name="BrokerError">Why the broker was not reachable; null when it was.</param>
/// <param name="Lag">Per stage group: committed offsets against high watermarks.</param>
/// <param name="Produced">Records acknowledged per topic since start.</param>
public sealed record MonitoringSnapshot(
    DateTimeOffset At,
    bool BrokerReachable,
    string? BrokerError,
    IReadOnlyList<StageSnapshot> Stages,
    IReadOnlyList<ConsumerGroupLag> Lag,
    IReadOnlyDictionary<string, long> Produced,
    IReadOnlyList<ModelStatus> ModelStatuses,
    IReadOnlyList<FeatureDrift> Drift,
    IReadOnlyList<PredictionSnapshot> Predictions)
{
    public IReadOnlyList<ModelSnapshot> Models =>
        ModelStatuses.Select(status => new ModelSnapshot(
                status.Model,
                status.CurrentVersion,
                Finite(status.CurrentMetrics?.RSquared),
                Finite(status.CurrentMetrics?.RootMeanSquaredError),
                Finite(status.CurrentMetrics?.MeanAbsoluteError),
                status.LastEvent,
                status.LastEventAt,
                status.LastFailure))
            .ToArray();

    // JSON has no NaN: a metric training could not compute is shown as missing.
    private static double? Finite(double? value) => value is { } number && double.IsFinite(number) ? number : null;
}

/// <summary>The last snapshot the monitoring stage collected (gauges read it between collections). Thread-safe.</summary>
public sealed class LatestMonitoringSnapshot
{
    private MonitoringSnapshot? latest;

    public MonitoringSnapshot? Value => Volatile.Read(ref latest);

    public void Set(MonitoringSnapshot snapshot) => Volatile.Write(ref latest, snapshot);
}
