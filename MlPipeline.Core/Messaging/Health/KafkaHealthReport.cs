using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Messaging.Consuming;

namespace MlPipeline.Core.Messaging.Health;

/// <summary>Everything one Kafka health check found; the HTTP layer serializes it as is.</summary>
/// <param name="RoundTripMs">Duration of the metadata round trip; null when the broker did not answer.</param>
public sealed record KafkaHealthReport(
    HealthStatus Status,
    string Description,
    DateTimeOffset CheckedAt,
    bool BrokerReachable,
    double? RoundTripMs,
    int BrokerCount,
    IReadOnlyList<string> PresentTopics,
    IReadOnlyList<string> MissingTopics,
    IReadOnlyList<ConsumerGroupLag> ConsumerGroups,
    IReadOnlyList<SubscriptionHealth> Subscriptions);

/// <param name="Error">Why the lag could not be read; null when it was.</param>
public sealed record ConsumerGroupLag(string GroupId, long TotalLag, IReadOnlyList<PartitionLag> Partitions, string? Error);

/// <param name="CommittedOffset">
/// The group's committed offset (next to read); null when the group has not committed on this partition yet.
/// </param>
/// <param name="Lag">
/// Messages the group has yet to handle: high watermark minus the committed offset or, without a commit, minus where
/// the group starts (<see cref="KafkaHealthCheckOptions.UncommittedStartsAt"/>).
/// </param>
public sealed record PartitionLag(string Topic, int Partition, long? CommittedOffset, long HighWatermark, long Lag);

public sealed record SubscriptionHealth(string GroupId, IReadOnlyList<string> Topics, ConsumerSubscriptionState State, string? Fault);
