using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Administration;

/// <summary>
/// Creates and inspects topics through one long-lived admin client. Every call is a turn of the process's
/// <see cref="KafkaAdminGate"/>, so it never overlaps another librdkafka admin call.
/// </summary>
public sealed class TopicAdministrator : ITopicCreator, IDisposable
{
    /// <summary>Turn purpose counted by the gate.</summary>
    public const string GatePurpose = "topics";

    private readonly IAdminClient adminClient;
    private readonly KafkaAdminGate gate;
    private readonly bool ownsGate;
    private readonly TimeSpan requestTimeout;
    private readonly ILogger<TopicAdministrator> logger;
    private int disposed;

    /// <param name="requestTimeout">Bound on each admin or metadata request. <value>Default 10 s.</value></param>
    /// <param name="gate">The process's admin gate; null gives the administrator one of its own (a command-line verb).</param>
    public TopicAdministrator(AdminClientConfig config, ILogger<TopicAdministrator> logger, TimeSpan? requestTimeout = null, KafkaAdminGate? gate = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ownsGate = gate is null;
        this.gate = gate ?? new KafkaAdminGate();
        this.logger = logger;
        this.requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10);
        adminClient = new AdminClientBuilder(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, "admin", error))
            .Build();
    }

    /// <summary>
    /// Creates the topics that do not exist yet. Idempotent: a topic that already exists counts as success
    /// (its partitions and settings are left as they are).
    /// </summary>
    /// <exception cref="KafkaException">A topic could not be created; the message names it and the reason.</exception>
    public async Task<EnsureTopicsResult> EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var specifications = topics
            .DistinctBy(topic => topic.Name, StringComparer.Ordinal)
            .Select(ToSpecification)
            .ToList();
        if (specifications.Count == 0)
        {
            return new EnsureTopicsResult([], []);
        }

        var requested = specifications.Select(specification => specification.Name).ToList();
        try
        {
            await InTurnAsync(
                    () => adminClient.CreateTopicsAsync(specifications, new CreateTopicsOptions { RequestTimeout = requestTimeout, OperationTimeout = requestTimeout }),
                    cancellationToken)
                .ConfigureAwait(false);
            logger.LogInformation("Created topics {Topics}", string.Join(", ", requested));
            return new EnsureTopicsResult(requested, []);
        }
        catch (CreateTopicsException exception)
        {
            var failures = exception.Results
                .Where(result => result.Error.IsError && result.Error.Code != ErrorCode.TopicAlreadyExists)
                .ToList();
            if (failures.Count > 0)
            {
                var reasons = string.Join("; ", failures.Select(result => $"{result.Topic}: {result.Error.Code} {result.Error.Reason}"));
                throw new KafkaException(new Error(failures[0].Error.Code, $"Could not create topics: {reasons}"));
            }

            var existing = exception.Results.Where(result => result.Error.IsError).Select(result => result.Topic).ToList();
            var created = requested.Except(existing, StringComparer.Ordinal).ToList();
            if (created.Count > 0)
            {
                logger.LogInformation("Created topics {Topics}", string.Join(", ", created));
            }

            return new EnsureTopicsResult(created, existing);
        }
    }

    /// <summary>
    /// Grows a topic to <paramref name="totalPartitions"/> partitions (the new total, as Kafka counts it; existing
    /// partitions and their data are untouched). Producers and consumer groups pick the new ones up at their next
    /// metadata refresh.
    /// </summary>
    /// <exception cref="KafkaException">The broker refused (unknown topic, count not above the current one); the message names the topic and the reason.</exception>
    public async Task AddPartitionsAsync(string name, int totalPartitions, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        try
        {
            await InTurnAsync(
                    () => adminClient.CreatePartitionsAsync(
                        [new PartitionsSpecification { Topic = name, IncreaseTo = totalPartitions }],
                        new CreatePartitionsOptions { RequestTimeout = requestTimeout, OperationTimeout = requestTimeout }),
                    cancellationToken)
                .ConfigureAwait(false);
            logger.LogInformation("Grew topic {Topic} to {Partitions} partitions", name, totalPartitions);
        }
        catch (CreatePartitionsException exception)
        {
            var failure = exception.Results.First(result => result.Error.IsError);
            throw new KafkaException(new Error(failure.Error.Code, $"Could not add partitions to {name}: {failure.Error.Code} {failure.Error.Reason}"));
        }
    }

    /// <summary>Names of all topics on the cluster, internal ones (leading "__") excluded.</summary>
    public async Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken)
    {
        var metadata = await GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        return metadata.Topics
            .Where(topic => !topic.Error.IsError && !topic.Topic.StartsWith("__", StringComparison.Ordinal))
            .Select(topic => topic.Topic)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every topic on the cluster with its partitions (internal "__" topics excluded), in one metadata round trip.</summary>
    public async Task<IReadOnlyList<TopicInfo>> DescribeTopicsAsync(CancellationToken cancellationToken)
    {
        var metadata = await GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        return metadata.Topics
            .Where(topic => !topic.Error.IsError && !topic.Topic.StartsWith("__", StringComparison.Ordinal))
            .OrderBy(topic => topic.Topic, StringComparer.Ordinal)
            .Select(ToTopicInfo)
            .ToList();
    }

    /// <returns>The topic's partitions, or null when the topic does not exist.</returns>
    public async Task<TopicInfo?> DescribeTopicAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // One metadata round trip answers every question asked here (partitions, leaders, replicas), against any
        // broker; the DescribeTopics admin API adds nothing the pipeline uses.
        var metadata = await GetMetadataAsync(cancellationToken).ConfigureAwait(false);
        var topic = metadata.Topics.FirstOrDefault(candidate => candidate.Topic == name && !candidate.Error.IsError);
        return topic is null ? null : ToTopicInfo(topic);
    }

    private static TopicInfo ToTopicInfo(TopicMetadata topic) =>
        new(
            topic.Topic,
            topic.Partitions
                .OrderBy(partition => partition.PartitionId)
                .Select(partition => new TopicPartitionInfo(partition.PartitionId, partition.Leader, partition.Replicas, partition.InSyncReplicas))
                .ToList());

    /// <summary>Idempotent: the host closes the client before the embedded broker stops, the container again later.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            adminClient.Dispose();
            if (ownsGate)
            {
                gate.Dispose();
            }
        }
    }

    // GetMetadata blocks for up to the timeout: it runs on the gate's thread, not the caller's.
    private Task<Metadata> GetMetadataAsync(CancellationToken cancellationToken) =>
        gate.RunBlockingAsync(GatePurpose, () => adminClient.GetMetadata(requestTimeout), TurnDeadline, cancellationToken);

    // CreateTopics waits for the operation as well as the request: two timeouts, and a little for the client.
    private TimeSpan TurnDeadline => requestTimeout * 2 + TimeSpan.FromSeconds(1);

    private Task InTurnAsync(Func<Task> call, CancellationToken cancellationToken) =>
        gate.RunAsync(
            GatePurpose,
            async _ =>
            {
                await call().ConfigureAwait(false);
                return true;
            },
            TurnDeadline,
            cancellationToken);

    private static TopicSpecification ToSpecification(TopicSpec topic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic.Name);
        var specification = new TopicSpecification
        {
            Name = topic.Name,
            NumPartitions = topic.Partitions,
            ReplicationFactor = topic.ReplicationFactor,
        };
        if (topic.RetentionMs is { } retentionMs)
        {
            specification.Configs = new Dictionary<string, string> { ["retention.ms"] = retentionMs.ToString(CultureInfo.InvariantCulture) };
        }

        return specification;
    }
}
