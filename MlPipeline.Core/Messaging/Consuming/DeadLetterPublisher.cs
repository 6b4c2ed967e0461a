using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Producing;
using Polly;
using Polly.Retry;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// Moves a record that cannot be handled to the dead-letter topic: original key, value and headers untouched,
/// plus <c>dlq_*</c> headers saying what failed and where it came from. A dead-letter send that fails is
/// retried with backoff until it succeeds or the caller gives up — the source offset must not be stored
/// before the record is safely parked, or it would vanish without a trace. The one way anything is dead-lettered:
/// the consumer manager parks records its handlers failed on, a stage parks what it refused of a record
/// (<see cref="KafkaConsumerManager.DeadLetters"/>).
/// </summary>
public sealed class DeadLetterPublisher
{
    private readonly KafkaProducerManager producer;
    private readonly KafkaConsumerManagerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly ResiliencePipeline untilDelivered;

    internal DeadLetterPublisher(KafkaProducerManager producer, KafkaConsumerManagerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        this.producer = producer;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        untilDelivered = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<MessageDeliveryException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryBaseDelay > options.DeadLetterMinimumDelay ? options.RetryBaseDelay : options.DeadLetterMinimumDelay,
                MaxDelay = options.RetryMaxDelay,
                UseJitter = false,
                OnRetry = arguments =>
                {
                    logger.LogError(
                        arguments.Outcome.Exception,
                        "Dead-lettering to {DeadLetterTopic} failed (attempt {Attempt}); retrying in {Delay}",
                        options.DeadLetterTopic,
                        arguments.AttemptNumber + 1,
                        arguments.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Parks the record as it was consumed; returns only once the broker acknowledged it.</summary>
    /// <returns>True when the record was parked; false when dead-lettering is disabled and it was only logged.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task<bool> PublishAsync(ConsumeResult<byte[]?, byte[]?> record, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return PublishAsync(new DeadLetter(record.TopicPartitionOffset, error, record.Message.Key, record.Message.Value, record.Message.Headers), cancellationToken);
    }

    /// <summary>Parks <paramref name="letter"/>; returns only once the broker acknowledged it.</summary>
    /// <returns>True when the record was parked; false when dead-lettering is disabled and it was only logged.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async Task<bool> PublishAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var source = letter.Source;
        if (!options.EnableDeadLetter)
        {
            logger.LogError(
                "Dead-lettering is disabled: skipping {Topic}[{Partition}]@{Offset} after failure: {Error}",
                source.Topic,
                source.Partition.Value,
                source.Offset.Value,
                letter.Error);
            return false;
        }

        var headers = new Headers();
        foreach (var header in letter.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(KafkaHeaderNames.DeadLetterError, Encoding.UTF8.GetBytes(letter.Error));
        headers.Add(KafkaHeaderNames.DeadLetterSourceTopic, Encoding.UTF8.GetBytes(source.Topic));
        headers.Add(KafkaHeaderNames.DeadLetterSourcePartition, Encoding.UTF8.GetBytes(source.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaHeaderNames.DeadLetterSourceOffset, Encoding.UTF8.GetBytes(source.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(
            KafkaHeaderNames.DeadLetterFailedAt,
            Encoding.UTF8.GetBytes(timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)));

        var delivered = await untilDelivered.ExecuteAsync(
                async token => await producer
                    .SendRawAsync(options.DeadLetterTopic, letter.Key, letter.Value, headers, token)
                    .ConfigureAwait(false),
                cancellationToken)
            .ConfigureAwait(false);

        logger.LogWarning(
            "Dead-lettered {Topic}[{Partition}]@{Offset} to {DeadLetterPosition}: {Error}",
            source.Topic,
            source.Partition.Value,
            source.Offset.Value,
            delivered.TopicPartitionOffset,
            letter.Error);
        return true;
    }
}

/// <summary>
/// What goes to the dead-letter topic: a record's key, value and headers (the consumed record's own, or what a stage
/// built from it), why it failed, and where the consumed record was. The publisher adds the <c>dlq_*</c> headers.
/// </summary>
/// <param name="Source">The consumed record the failure is about (<c>dlq_source_topic</c>, <c>_partition</c>, <c>_offset</c>).</param>
/// <param name="Error">The reason (<c>dlq_error</c>).</param>
public sealed record DeadLetter(TopicPartitionOffset Source, string Error, byte[]? Key, byte[]? Value, IEnumerable<IHeader>? Headers = null);
