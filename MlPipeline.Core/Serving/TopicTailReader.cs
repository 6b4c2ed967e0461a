using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;

namespace MlPipeline.Core.Serving;

/// <summary>
/// Reads everything written to one topic from the moment it started, with no consumer group: it assigns every
/// partition itself at the partition's current end. Each instance of the service so sees every record — its own
/// requests' results, every model promotion — which a shared group would spread over the instances. The end offsets
/// are resolved before <see cref="StartAsync"/> returns (librdkafka would otherwise resolve "end" lazily, at the first
/// fetch, and could skip records written in between). Nothing is committed.
/// </summary>
public sealed class TopicTailReader : IAsyncDisposable
{
    private readonly ConsumerConfig config;
    private readonly string topic;
    private readonly Action<ConsumeResult<byte[]?, byte[]?>> onRecord;
    private readonly ILogger logger;
    private readonly TimeSpan requestTimeout;
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;

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
            consumer.Assign(EndOffsets(consumer));
            assigned.TrySetResult();
            ReadUntilStopped(consumer);
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

    private List<TopicPartitionOffset> EndOffsets(IConsumer<byte[]?, byte[]?> consumer)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, requestTimeout).Topics.Single(t => t.Topic == topic) is { Error.IsError: false } metadata
            ? metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList()
            : throw new KafkaException(ErrorCode.UnknownTopicOrPart);
        return partitions
            .Select(partition => new TopicPartitionOffset(partition, consumer.QueryWatermarkOffsets(partition, requestTimeout).High))
            .ToList();
    }

    private void ReadUntilStopped(IConsumer<byte[]?, byte[]?> consumer)
    {
        while (!stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? record;
            try
            {
                record = consumer.Consume(stopping.Token);
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
