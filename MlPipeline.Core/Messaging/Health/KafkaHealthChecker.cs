using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;

namespace MlPipeline.Core.Messaging.Health;

/// <summary>
/// Kafka health: broker reachable (a metadata round trip, bounded by the timeout), expected topics present,
/// lag of the configured consumer groups, and no faulted consumer subscription.
/// Unhealthy: broker unreachable or a subscription faulted. Degraded: topics missing or lag unreadable.
/// Every check is one turn of the process's <see cref="KafkaAdminGate"/>: its librdkafka calls never overlap another
/// admin call, and its blocking ones run on the gate's thread. In the service only the background collector
/// (<see cref="Monitoring.KafkaStatusCollector"/>) calls it; requests read that collector's snapshot.
/// </summary>
public sealed class KafkaHealthChecker : IHealthCheck, IDisposable
{
    /// <summary>Turn purpose counted by the gate for health checks and lag reads.</summary>
    public const string GatePurpose = "kafka-status";

    // A check makes a metadata request and, per group, two admin requests and one watermark request per partition,
    // each bounded by the timeout; the caller stops waiting after this many timeouts (the turn itself still ends only
    // when librdkafka has returned).
    private const int TimeoutsPerCheck = 6;

    private readonly KafkaHealthCheckOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<KafkaHealthChecker> logger;
    private readonly KafkaConsumerManager? consumers;
    private readonly IAdminClient adminClient;

    // Only used for QueryWatermarkOffsets: it never subscribes, so it never joins a group.
    private readonly IConsumer<Ignore, Ignore> watermarkReader;
    private readonly string bootstrapServers;
    private readonly KafkaAdminGate gate;
    private readonly bool ownsGate;
    private int disposed;

    /// <param name="consumers">When given, its subscriptions' states are part of the check.</param>
    /// <param name="gate">The process's admin gate; null gives the checker one of its own (a command-line verb).</param>
    public KafkaHealthChecker(
        AdminClientConfig config,
        KafkaHealthCheckOptions options,
        TimeProvider timeProvider,
        ILogger<KafkaHealthChecker> logger,
        KafkaConsumerManager? consumers = null,
        KafkaAdminGate? gate = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ownsGate = gate is null;
        this.gate = gate ?? new KafkaAdminGate();
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.consumers = consumers;
        bootstrapServers = config.BootstrapServers;
        adminClient = new AdminClientBuilder(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, "health-admin", error))
            .Build();
        var readerConfig = new ConsumerConfig(config.ToDictionary(pair => pair.Key, pair => pair.Value))
        {
            GroupId = "mlpipeline-health-watermarks",
            EnableAutoCommit = false,
        };
        watermarkReader = new ConsumerBuilder<Ignore, Ignore>(readerConfig)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, "health-watermarks", error))
            .Build();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = await GetReportAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["bootstrap_servers"] = bootstrapServers,
            ["broker_reachable"] = report.BrokerReachable,
            ["missing_topics"] = report.MissingTopics,
        };
        if (report.RoundTripMs is { } roundTrip)
        {
            data["round_trip_ms"] = roundTrip;
        }

        foreach (var group in report.ConsumerGroups)
        {
            data[$"lag:{group.GroupId}"] = group.TotalLag;
        }

        return new HealthCheckResult(report.Status, report.Description, data: data);
    }

    /// <summary>One check now (a broker round trip). The service's requests read <see cref="Monitoring.KafkaStatusSnapshots"/> instead.</summary>
    public async Task<KafkaHealthReport> GetReportAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await CollectAsync([], cancellationToken).ConfigureAwait(false)).Report;
        }
        catch (TimeoutException exception)
        {
            return Unreachable(timeProvider.GetUtcNow(), Subscriptions(), exception.Message);
        }
    }

    /// <summary>
    /// The health report and, in the same gate turn, the lag of <paramref name="moreGroups"/> (groups beyond the
    /// configured ones). Throws <see cref="TimeoutException"/> when the gate was busy or the turn overran its deadline.
    /// </summary>
    public Task<KafkaStatusReading> CollectAsync(IEnumerable<string> moreGroups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moreGroups);
        var extra = moreGroups.Where(group => !options.ConsumerGroups.Contains(group)).Distinct(StringComparer.Ordinal).ToList();
        return gate.RunAsync(GatePurpose, turn => CollectInTurnAsync(turn, extra, cancellationToken), options.Timeout * TimeoutsPerCheck, cancellationToken);
    }

    private List<SubscriptionHealth> Subscriptions() =>
        (consumers?.Subscriptions ?? [])
            .Select(subscription => new SubscriptionHealth(
                subscription.GroupId,
                subscription.Topics.ToList(),
                subscription.State,
                subscription.Fault?.Message))
            .ToList();

    private KafkaHealthReport Unreachable(DateTimeOffset checkedAt, List<SubscriptionHealth> subscriptions, string reason)
    {
        logger.LogWarning("Kafka at {BootstrapServers} unreachable: {Reason}", bootstrapServers, reason);
        return new KafkaHealthReport(
            HealthStatus.Unhealthy,
            $"Kafka broker at {bootstrapServers} unreachable within {options.Timeout.TotalSeconds:0.#} s: {reason}",
            checkedAt,
            BrokerReachable: false,
            RoundTripMs: null,
            BrokerCount: 0,
            PresentTopics: [],
            MissingTopics: options.ExpectedTopics,
            ConsumerGroups: [],
            subscriptions);
    }

    private async Task<KafkaStatusReading> CollectInTurnAsync(KafkaAdminTurn turn, IReadOnlyList<string> moreGroups, CancellationToken cancellationToken)
    {
        var checkedAt = timeProvider.GetUtcNow();
        var subscriptions = Subscriptions();
        var faulted = subscriptions.Where(subscription => subscription.State == ConsumerSubscriptionState.Faulted).ToList();

        var started = timeProvider.GetTimestamp();
        Metadata metadata;
        try
        {
            metadata = await turn.BlockingAsync(() => adminClient.GetMetadata(options.Timeout)).ConfigureAwait(false);
        }
        catch (KafkaException exception)
        {
            return new KafkaStatusReading(Unreachable(checkedAt, subscriptions, exception.Message), []);
        }

        var roundTrip = timeProvider.GetElapsedTime(started);
        var existing = metadata.Topics.Where(topic => !topic.Error.IsError).Select(topic => topic.Topic).ToHashSet(StringComparer.Ordinal);
        var present = options.ExpectedTopics.Where(existing.Contains).ToList();
        var missing = options.ExpectedTopics.Where(topic => !existing.Contains(topic)).ToList();

        var groups = new List<ConsumerGroupLag>();
        foreach (var groupId in options.ConsumerGroups)
        {
            groups.Add(await ReadLagAsync(turn, metadata, groupId, cancellationToken).ConfigureAwait(false));
        }

        var moreLag = new List<ConsumerGroupLag>();
        foreach (var groupId in moreGroups)
        {
            moreLag.Add(await ReadLagAsync(turn, metadata, groupId, cancellationToken).ConfigureAwait(false));
        }

        var problems = new List<string>();
        if (faulted.Count > 0)
        {
            problems.Add($"faulted consumers: {string.Join(", ", faulted.Select(subscription => $"{subscription.GroupId} ({subscription.Fault})"))}");
        }

        if (missing.Count > 0)
        {
            problems.Add($"missing topics: {string.Join(", ", missing)}");
        }

        var unreadable = groups.Where(group => group.Error is not null).ToList();
        if (unreadable.Count > 0)
        {
            problems.Add($"lag unreadable for: {string.Join(", ", unreadable.Select(group => $"{group.GroupId} ({group.Error})"))}");
        }

        var status = faulted.Count > 0 ? HealthStatus.Unhealthy
            : problems.Count > 0 ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        var description = problems.Count == 0
            ? $"Kafka at {bootstrapServers} reachable in {roundTrip.TotalMilliseconds:0.#} ms; {present.Count} topics present"
            : $"Kafka at {bootstrapServers} reachable, but {string.Join("; ", problems)}";

        var report = new KafkaHealthReport(
            status,
            description,
            checkedAt,
            BrokerReachable: true,
            roundTrip.TotalMilliseconds,
            metadata.Brokers.Count,
            present,
            missing,
            groups,
            subscriptions);
        return new KafkaStatusReading(report, moreLag);
    }

    /// <summary>
    /// Lag of any consumer groups (not only the configured ones): per partition of the group (see
    /// <see cref="GroupPartitions"/>), the high watermark against the committed offset or, on a partition the group has
    /// not committed on, against where it starts (<see cref="KafkaHealthCheckOptions.UncommittedStartsAt"/>). A group whose offsets cannot be read comes back with <see cref="ConsumerGroupLag.Error"/>.
    /// </summary>
    public async Task<IReadOnlyList<ConsumerGroupLag>> ReadConsumerGroupLagAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        var ids = groupIds.ToList();
        return await gate.RunAsync(
                GatePurpose,
                async turn =>
                {
                    Metadata metadata;
                    try
                    {
                        metadata = await turn.BlockingAsync(() => adminClient.GetMetadata(options.Timeout)).ConfigureAwait(false);
                    }
                    catch (KafkaException exception)
                    {
                        return (IReadOnlyList<ConsumerGroupLag>)ids.Select(id => new ConsumerGroupLag(id, 0, [], exception.Message)).ToList();
                    }

                    var groups = new List<ConsumerGroupLag>();
                    foreach (var groupId in ids)
                    {
                        groups.Add(await ReadLagAsync(turn, metadata, groupId, cancellationToken).ConfigureAwait(false));
                    }

                    return groups;
                },
                options.Timeout * TimeoutsPerCheck,
                cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Idempotent: the host closes the clients before the embedded broker stops, the container again later.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            watermarkReader.Dispose();
            adminClient.Dispose();
            if (ownsGate)
            {
                gate.Dispose();
            }
        }
    }

    private async Task<ConsumerGroupLag> ReadLagAsync(KafkaAdminTurn turn, Metadata metadata, string groupId, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var committed = await ReadCommittedOffsetsAsync(groupId).ConfigureAwait(false);
            var assigned = await ReadAssignedPartitionsAsync(groupId).ConfigureAwait(false);
            var partitions = await turn.BlockingAsync(
                    () => GroupPartitions(groupId, metadata, committed.Keys, assigned)
                        .Select(partition => LagOf(partition, committed.TryGetValue(partition, out var offset) ? offset : null))
                        .OrderBy(lag => lag.Topic, StringComparer.Ordinal)
                        .ThenBy(lag => lag.Partition)
                        .ToList())
                .ConfigureAwait(false);

            return new ConsumerGroupLag(groupId, partitions.Sum(lag => lag.Lag), partitions, Error: null);
        }
        catch (Exception exception) when (exception is KafkaException or TimeoutException)
        {
            logger.LogWarning("Could not read lag of consumer group {GroupId}: {Reason}", groupId, exception.Message);
            return new ConsumerGroupLag(groupId, 0, [], exception.Message);
        }
    }

    // The admin requests below are awaited to their end, never abandoned by a shorter wait of ours: librdkafka's own
    // request timeout ends them, and only then may the gate's next turn start (see KafkaAdminGate).

    /// <summary>The group's committed offsets; partitions without a commit (offset -1) are left out.</summary>
    private async Task<Dictionary<TopicPartition, long>> ReadCommittedOffsetsAsync(string groupId)
    {
        var committed = await adminClient
            .ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(groupId, null)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = options.Timeout })
            .ConfigureAwait(false);
        return committed.SelectMany(group => group.Partitions)
            .Where(partition => partition.Offset.Value >= 0)
            .ToDictionary(partition => partition.TopicPartition, partition => partition.Offset.Value);
    }

    /// <summary>The partitions the broker has assigned to the group's current members (none while it rebalances or is empty).</summary>
    private async Task<IReadOnlyList<TopicPartition>> ReadAssignedPartitionsAsync(string groupId)
    {
        DescribeConsumerGroupsResult described;
        try
        {
            described = await adminClient
                .DescribeConsumerGroupsAsync([groupId], new DescribeConsumerGroupsOptions { RequestTimeout = options.Timeout })
                .ConfigureAwait(false);
        }
        catch (DescribeConsumerGroupsException exception)
        {
            // The exception's own message is generic; the group's error says what went wrong.
            throw new KafkaException(
                exception.Results.ConsumerGroupDescriptions.Select(group => group.Error).FirstOrDefault(error => error.IsError) ?? exception.Error);
        }

        return described.ConsumerGroupDescriptions
            .SelectMany(group => group.Members ?? [])
            .SelectMany(member => member.Assignment?.TopicPartitions ?? [])
            .ToList();
    }

    /// <summary>
    /// Which partitions belong to the group. Kafka keeps no list of a group's topics, so it is pieced together from:
    /// <list type="bullet">
    /// <item>partitions it committed on (a commit is the group saying it reads there);</item>
    /// <item>partitions assigned to its current members (DescribeConsumerGroups): the broker's own view, which covers
    /// any client on any host, including a member stuck on its very first message, which has committed nothing;</item>
    /// <item>every partition of the topics a subscription in this process has for the group (the stage's configured
    /// topics): a handler stuck longer than max.poll.interval.ms makes librdkafka leave the group, so the broker then
    /// lists no members and no assignment, yet the stage's partitions are exactly what is piling up.</item>
    /// </list>
    /// A topic none of these tie to the group (a group with no commits, no members and no subscription here) is not
    /// counted: nothing says the group will ever read it.
    /// </summary>
    private HashSet<TopicPartition> GroupPartitions(string groupId, Metadata metadata, IEnumerable<TopicPartition> committed, IEnumerable<TopicPartition> assigned)
    {
        var partitions = new HashSet<TopicPartition>(committed);
        partitions.UnionWith(assigned);
        var subscribedTopics = (consumers?.Subscriptions ?? [])
            .Where(subscription => subscription.GroupId == groupId && subscription.State != ConsumerSubscriptionState.Stopped)
            .SelectMany(subscription => subscription.Topics)
            // A regex subscription ("^…") names no topic to look up.
            .Where(topic => !topic.StartsWith('^'))
            .ToHashSet(StringComparer.Ordinal);
        if (subscribedTopics.Count > 0)
        {
            // Whole-cluster metadata (the turn's): asking for one topic by name could auto-create it on a broker that allows that.
            var topics = metadata.Topics
                .Where(topic => !topic.Error.IsError && subscribedTopics.Contains(topic.Topic));
            partitions.UnionWith(topics.SelectMany(topic => topic.Partitions.Select(partition => new TopicPartition(topic.Topic, partition.PartitionId))));
        }

        return partitions;
    }

    private PartitionLag LagOf(TopicPartition partition, long? committedOffset)
    {
        var watermarks = watermarkReader.QueryWatermarkOffsets(partition, options.Timeout);
        var high = watermarks.High.Value;

        // Without a commit the group starts where auto.offset.reset puts it: earliest reads from the low watermark
        // (everything still retained is waiting), latest from the high watermark (nothing is).
        var from = committedOffset
            ?? (options.UncommittedStartsAt == AutoOffsetReset.Latest ? high : watermarks.Low.Value);
        return new PartitionLag(partition.Topic, partition.Partition.Value, committedOffset, high, Math.Max(0, high - from));
    }
}

/// <summary>One gate turn's reading: the health report and the lag of the groups asked for beyond the configured ones.</summary>
public sealed record KafkaStatusReading(KafkaHealthReport Report, IReadOnlyList<ConsumerGroupLag> MoreGroups);
