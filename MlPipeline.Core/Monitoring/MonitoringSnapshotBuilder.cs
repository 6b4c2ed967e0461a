using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Collects a <see cref="MonitoringSnapshot"/>: stage figures from <see cref="MessageFlowStatistics"/> and the consumer
/// manager's subscriptions, broker reachability and consumer lag from the background collector's
/// <see cref="KafkaStatusSnapshots"/> (building a snapshot never calls the broker), models, drift and predictions from
/// their trackers.
/// </summary>
public sealed class MonitoringSnapshotBuilder(
    MessageFlowStatistics flow,
    KafkaConsumerManager consumers,
    KafkaStatusSnapshots kafkaStatus,
    ModelStatusTracker models,
    FeatureDriftMonitor drift,
    PredictionStatistics predictions,
    StageNames stageNames,
    TimeProvider timeProvider)
{
    // Throughput is averaged over this much recent time (at least one bucket).
    private static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(30);

    // A starting service's first collection takes a broker round trip or two; callers wait that long at most.
    private static readonly TimeSpan FirstCollectionWait = TimeSpan.FromSeconds(5);

    public async Task<MonitoringSnapshot> BuildAsync(CancellationToken cancellationToken) =>
        Build(await kafkaStatus.GetAsync(FirstCollectionWait, cancellationToken).ConfigureAwait(false));

    /// <summary>Builds on the Kafka status snapshot the caller already has.</summary>
    public MonitoringSnapshot Build(KafkaStatusSnapshot kafka)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var report = kafka.Report;
        var subscriptions = consumers.Subscriptions;
        var groupIds = subscriptions.Select(subscription => subscription.GroupId)
            .Concat(flow.Groups)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

        IReadOnlyList<ConsumerGroupLag> lag = report.BrokerReachable
            ? kafka.Lag.Where(group => group.Partitions.Count > 0 || groupIds.Contains(group.GroupId))
                .OrderBy(group => group.GroupId, StringComparer.Ordinal)
                .ToArray()
            : [];

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
