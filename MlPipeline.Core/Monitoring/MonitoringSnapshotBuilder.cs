using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Collects a <see cref="MonitoringSnapshot"/>: stage figures from <see cref="MessageFlowStatistics"/> and the consumer
/// manager's subscriptions, broker reachability and consumer lag through <see cref="KafkaHealthChecker"/> (the one place
/// that reads committed offsets and watermarks), models, drift and predictions from their trackers.
/// </summary>
public sealed class MonitoringSnapshotBuilder(
    MessageFlowStatistics flow,
    KafkaConsumerManager consumers,
    KafkaHealthChecker health,
    ModelStatusTracker models,
    FeatureDriftMonitor drift,
    PredictionStatistics predictions,
    StageNames stageNames,
    TimeProvider timeProvider)
{
    // Throughput is averaged over this much recent time (at least one bucket).
    private static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(30);

    public async Task<MonitoringSnapshot> BuildAsync(CancellationToken cancellationToken) =>
        await BuildAsync(await health.GetReportAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Builds on a health report the caller already has (one broker round trip instead of two).</summary>
    public async Task<MonitoringSnapshot> BuildAsync(KafkaHealthReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var subscriptions = consumers.Subscriptions;
        var groupIds = subscriptions.Select(subscription => subscription.GroupId)
            .Concat(flow.Groups)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

        IReadOnlyList<ConsumerGroupLag> lag = [];
        if (report.BrokerReachable)
        {
            var known = report.ConsumerGroups.ToDictionary(group => group.GroupId, StringComparer.Ordinal);
            var read = await health.ReadConsumerGroupLagAsync(groupIds.Where(id => !known.ContainsKey(id)), cancellationToken).ConfigureAwait(false);
            lag = known.Values.Where(group => group.Partitions.Count > 0 || groupIds.Contains(group.GroupId))
                .Concat(read)
                .OrderBy(group => group.GroupId, StringComparer.Ordinal)
                .ToArray();
        }

        return new MonitoringSnapshot(
            timeProvider.GetUtcNow(),
            report.BrokerReachable,
            report.BrokerReachable ? null : report.Description,
            groupIds.Select(groupId => Stage(groupId, subscriptions)).ToArray(),
            lag,
            flow.ProducedTotals,
            models.Models,
            drift.Snapshot(),
            predictions.Snapshot());
    }

    private StageSnapshot Stage(string groupId, IReadOnlyList<IConsumerSubscription> subscriptions)
    {
        var subscription = subscriptions.FirstOrDefault(candidate => candidate.GroupId == groupId);
        var topics = subscription?.Topics.ToArray() ?? flow.TopicsOf(groupId);
        return new StageSnapshot(
            stageNames.FromGroupId(groupId),
            groupId,
            subscription?.State.ToString().ToLowerInvariant() ?? "inactive",
            topics,
            flow.Total(groupId, FlowCount.Consumed),
            flow.Total(groupId, FlowCount.Handled),
            flow.Total(groupId, FlowCount.Failed),
            flow.Total(groupId, FlowCount.Retried),
            flow.Total(groupId, FlowCount.DeadLettered),
            Math.Round(flow.RatePerSecond(groupId, FlowCount.Handled, ThroughputWindow), 3),
            flow.BucketWidth.TotalSeconds,
            flow.Series(groupId, FlowCount.Handled));
    }
}
