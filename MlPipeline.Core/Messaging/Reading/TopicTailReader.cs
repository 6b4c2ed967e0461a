using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;

namespace MlPipeline.Core.Messaging.Reading;

/// <summary>
/// Reads everything written to one topic from the moment it started, with no consumer group: it assigns every
/// partition itself at the partition's current end. Each instance of the service so sees every record — its own
/// requests' results, every model promotion — which a shared group would spread over the instances. The end offsets
/// are resolved before <see cref="StartAsync"/> returns (librdkafka would otherwise resolve "end" lazily, at the first
/// fetch, and could skip records written in between). Nothing is committed. Partitions added to the topic later
/// (CreatePartitions) are found by re-reading the topic's metadata every <see cref="PartitionRefreshInterval"/> and read
/// from their beginning: everything in them was written after the reader started. That metadata request runs on a
/// thread of its own, never on the consume thread: a broker slow to answer metadata must not stop the records (the
/// results HTTP callers wait for) from being read.
/// </summary>
public sealed class TopicTailReader : IAsyncDisposable
{
    /// <summary>
    /// How often the topic's partition count is checked. No configuration key fits (librdkafka's own
    /// topic.metadata.refresh.interval.ms is not exposed, and it would not assign anything to a group-less reader
    /// anyway). Nothing is lost while a new partition is not noticed yet — it is read from its beginning — so this only
    /// bounds how late its first records arrive: 5 s keeps a caller waiting for a result (serving.max_wait_ms, 30 s by
    /// default) well inside its wait, for one metadata request per reader every 5 s.
    /// </summary>
    public static readonly TimeSpan PartitionRefreshInterval = TimeSpan.FromSeconds(5);

    // Consume is called with this timeout so the loop comes round to check the refresh clock and the stop token;
    // fetched records are buffered by librdkafka, so it costs no throughput.
    private static readonly TimeSpan ConsumePollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConsumerConfig config;
    private readonly string topic;
    private readonly Action<ConsumeResult<byte[]?, byte[]?>> onRecord;
    private readonly ILogger logger;
    private readonly TimeSpan requestTimeout;
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;
    // Partitions the refresh thread last saw; taken (set to null) by the consume loop.
    private volatile List<int>? refreshedPartitions;

    /// <param name="onRecord">Called on the reader's own thread, one record at a time; must be quick and must not throw.</param>
    public TopicTailReader(
        ConsumerConfig config,
        string topic,
        Action<ConsumeResult<byte[]?, byte[]?>> onRecord,
        TimeSpan requestTimeout,
        ILogger logger)
    {
        this.config = new ConsumerConfig(config.ToDictionary(pair => pair.Key, pair => pair.Value))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
        };
        this.topic = topic;
        this.onRecord = onRecord;
        this.requestTimeout = requestTimeout;
        this.logger = logger;
    }

    public bool IsAssigned => assigned.Task.IsCompletedSuccessfully;

    /// <summary>Starts reading; completes once every partition is assigned at its end offset.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref started, 1) == 1)
        {
            throw new InvalidOperationException("The reader was already started.");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = $"kafka-tail-{topic}" };
        thread.Start();
        await assigned.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref started) == 1)
        {
            await finished.Task.ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private void Run()
    {
        try
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
                .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
                .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, $"tail reader of {topic}", error))
                .Build();
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var endOffsets = EndOffsets(consumer, admin);
            consumer.Assign(endOffsets);
            assigned.TrySetResult();
            var refresher = new Thread(() => RefreshPartitionsUntilStopped(admin)) { IsBackground = true, Name = $"kafka-tail-refresh-{topic}" };
            refresher.Start();
            try
            {
                ReadUntilStopped(consumer, endOffsets.Select(offset => offset.Partition.Value).ToHashSet());
            }
            finally
            {
                // Before the clients are disposed; a metadata request in flight ends within its timeout.
                stopping.Cancel();
                refresher.Join();
            }

            consumer.Close();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            assigned.TrySetCanceled();
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Tail reader of {Topic} stopped", topic);
            assigned.TrySetException(exception);
        }
        finally
        {
            finished.TrySetResult();
        }
    }

    private List<TopicPartitionOffset> EndOffsets(IConsumer<byte[]?, byte[]?> consumer, IAdminClient admin) =>
        Partitions(admin)
            .Select(partition => new TopicPartitionOffset(topic, partition, consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), requestTimeout).High))
            .ToList();

    private List<int> Partitions(IAdminClient admin) =>
        admin.GetMetadata(topic, requestTimeout).Topics.Single(t => t.Topic == topic) is { Error.IsError: false } metadata
            ? metadata.Partitions.Select(p => p.PartitionId).ToList()
            : throw new KafkaException(ErrorCode.UnknownTopicOrPart);

    /// <summary>Re-reads the topic's partitions every refresh interval, on its own thread; a failed look waits for the next.</summary>
    private void RefreshPartitionsUntilStopped(IAdminClient admin)
    {
        while (!stopping.Token.WaitHandle.WaitOne(PartitionRefreshInterval))
        {
            try
            {
                refreshedPartitions = Partitions(admin);
            }
            catch (KafkaException exception)
            {
                logger.LogDebug("Tail reader of {Topic} could not re-read its partitions: {Reason}", topic, exception.Message);
            }
        }
    }

    /// <summary>Assigns partitions that appeared since the last look, from their beginning.</summary>
    private void AssignAddedPartitions(IConsumer<byte[]?, byte[]?> consumer, List<int> partitions, HashSet<int> known)
    {
        var added = partitions.Where(partition => !known.Contains(partition)).ToList();
        if (added.Count == 0)
        {
            return;
        }

        // Incremental: the partitions already read keep their positions.
        consumer.IncrementalAssign(added.Select(partition => new TopicPartitionOffset(topic, partition, Offset.Beginning)));
        known.UnionWith(added);
        logger.LogInformation("Tail reader of {Topic} now also reads added partitions {Partitions}", topic, string.Join(", ", added));
    }

    private void ReadUntilStopped(IConsumer<byte[]?, byte[]?> consumer, HashSet<int> known)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (Interlocked.Exchange(ref refreshedPartitions, null) is { } partitions)
            {
                AssignAddedPartitions(consumer, partitions, known);
            }

            ConsumeResult<byte[]?, byte[]?>? record;
            try
            {
                record = consumer.Consume(ConsumePollInterval);
            }
            catch (ConsumeException exception) when (!exception.Error.IsFatal)
            {
                logger.LogWarning("Tail reader of {Topic}: {Reason}", topic, exception.Error.Reason);
                continue;
            }

            if (record?.Message is not null)
            {
                onRecord(record);
            }
        }
    }
}
