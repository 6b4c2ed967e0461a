using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// What the background collector last learned about Kafka: the health report (broker, topics, configured groups) and
/// the lag of every group the process knows. <paramref name="CollectionError"/> says why the latest collection failed
/// (the report is then the last good one); <paramref name="Collections"/> counts collections attempted so far.
/// </summary>
public sealed record KafkaStatusSnapshot(
    KafkaHealthReport Report,
    IReadOnlyList<ConsumerGroupLag> Lag,
    DateTimeOffset CollectedAt,
    long Collections,
    string? CollectionError);

/// <summary>
/// The latest <see cref="KafkaStatusSnapshot"/>, written by <see cref="KafkaStatusCollector"/> alone and read by
/// <c>/api/status</c>, <c>/api/health/kafka</c>, <c>/health</c>, the dashboard and monitoring: a request never makes a
/// broker round trip of its own, so a thousand callers cost the broker what one does. Also the <c>kafka</c> health
/// check, for the same reason.
/// </summary>
public sealed class KafkaStatusSnapshots(TimeProvider timeProvider) : IHealthCheck
{
    private readonly TaskCompletionSource first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile KafkaStatusSnapshot? current;

    /// <summary>The latest snapshot; null before the first collection finished.</summary>
    public KafkaStatusSnapshot? Current => current;

    /// <summary>
    /// The latest snapshot, waiting at most <paramref name="firstWait"/> for the first collection of a starting
    /// service; after that a snapshot saying "not collected yet".
    /// </summary>
    public async Task<KafkaStatusSnapshot> GetAsync(TimeSpan firstWait, CancellationToken cancellationToken)
    {
        if (current is { } latest)
        {
            return latest;
        }

        try
        {
            await first.Task.WaitAsync(firstWait, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answered below.
        }

        return current ?? NotCollectedYet();
    }

    /// <summary>Called by the collector only.</summary>
    public void Publish(KafkaStatusSnapshot snapshot)
    {
        current = snapshot;
        first.TrySetResult();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = await GetAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        var report = snapshot.Report;
        var data = new Dictionary<string, object>
        {
            ["broker_reachable"] = report.BrokerReachable,
            ["missing_topics"] = report.MissingTopics,
            ["checked_at"] = report.CheckedAt,
        };
        if (report.RoundTripMs is { } roundTrip)
        {
            data["round_trip_ms"] = roundTrip;
        }

        if (snapshot.CollectionError is { } error)
        {
            data["collection_error"] = error;
        }

        foreach (var group in report.ConsumerGroups)
        {
            data[$"lag:{group.GroupId}"] = group.TotalLag;
        }

        return new HealthCheckResult(report.Status, report.Description, data: data);
    }

    private KafkaStatusSnapshot NotCollectedYet()
    {
        var now = timeProvider.GetUtcNow();
        var report = new KafkaHealthReport(
            HealthStatus.Degraded,
            "Kafka status not collected yet: the service is starting",
            now,
            BrokerReachable: false,
            RoundTripMs: null,
            BrokerCount: 0,
            PresentTopics: [],
            MissingTopics: [],
            ConsumerGroups: [],
            Subscriptions: []);
        return new KafkaStatusSnapshot(report, [], now, 0, "not collected yet");
    }
}
