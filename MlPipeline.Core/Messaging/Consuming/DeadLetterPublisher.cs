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
/// before the record is safely parked, or it would vanish without a trace.
/// </summary>
internal sealed class DeadLetterPublisher
{
    private readonly KafkaProducerManager producer;
    private readonly KafkaConsumerManagerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly ResiliencePipeline untilDelivered;

    public DeadLetterPublisher(KafkaProducerManager producer, KafkaConsumerManagerOptions options, TimeProvider timeProvider, ILogger logger)
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

    /// <summary>Parks the record; returns only once the broker acknowledged it.</summary>
    /// <returns>True when the record was parked; false when dead-lettering is disabled and it was only logged.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async Task<bool> PublishAsync(ConsumeResult<byte[]?, byte[]?> record, string error, CancellationToken cancellationToken)
    {
        if (!options.EnableDeadLetter)
        {
            logger.LogError(
                "Dead-lettering is disabled: skipping {Topic}[{Partition}]@{Offset} after failure: {Error}",
                record.Topic,
                record.Partition.Value,
                record.Offset.Value,
                error);
            return false;
        }

        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(KafkaHeaderNames.DeadLetterError, Encoding.UTF8.GetBytes(error));
        headers.Add(KafkaHeaderNames.DeadLetterSourceTopic, Encoding.UTF8.GetBytes(record.Topic));
        headers.Add(KafkaHeaderNames.DeadLetterSourcePartition, Encoding.UTF8.GetBytes(record.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaHeaderNames.DeadLetterSourceOffset, Encoding.UTF8.GetBytes(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(
            KafkaHeaderNames.DeadLetterFailedAt,
            Encoding.UTF8.GetBytes(timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)));

        var delivered = await untilDelivered.ExecuteAsync(
                async token => await producer
                    .SendRawAsync(options.DeadLetterTopic, record.Message.Key, record.Message.Value, headers, token)
                    .ConfigureAwait(false),
                cancellationToken)
            .ConfigureAwait(false);

        logger.LogWarning(
            "Dead-lettered {Topic}[{Partition}]@{Offset} to {DeadLetterPosition}: {Error}",
            record.Topic,
            record.Partition.Value,
            record.Offset.Value,
            delivered.TopicPartitionOffset,
            error);
        return true;
    }
}
