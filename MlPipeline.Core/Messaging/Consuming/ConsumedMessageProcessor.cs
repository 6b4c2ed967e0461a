using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Observability;
using Polly;
using Polly.Retry;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// Takes one record from "fetched" to "done": parse the envelope, run the handler under bounded retries,
/// dead-letter what still fails. When this returns normally the record's offset may be stored; when it
/// throws <see cref="OperationCanceledException"/> (stop requested) it must not be.
/// </summary>
internal sealed class ConsumedMessageProcessor
{
    // Carries the record's topic into the retry callback, which only sees the resilience context.
    private static readonly ResiliencePropertyKey<string> TopicKey = new("mlpipeline.topic");

    private readonly Func<ConsumedMessage, CancellationToken, Task> handler;
    private readonly KafkaMessageSerializer serializer;
    private readonly DeadLetterPublisher deadLetters;
    private readonly ILogger logger;
    private readonly ResiliencePipeline retries;
    private readonly TimeProvider timeProvider;
    private readonly IMessageFlowObserver flowObserver;
    private readonly string groupId;

    public ConsumedMessageProcessor(
        Func<ConsumedMessage, CancellationToken, Task> handler,
        KafkaMessageSerializer serializer,
        DeadLetterPublisher deadLetters,
        KafkaConsumerManagerOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        string groupId,
        IMessageFlowObserver flowObserver)
    {
        this.handler = handler;
        this.timeProvider = timeProvider;
        this.groupId = groupId;
        this.flowObserver = flowObserver;
        this.serializer = serializer;
        this.deadLetters = deadLetters;
        this.logger = logger;
        retries = options.MaxRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
                .AddRetry(new RetryStrategyOptions
                {
                    // Everything a handler throws is retried, except the cancellation that means "we are stopping".
                    ShouldHandle = arguments => ValueTask.FromResult(
                        arguments.Outcome.Exception is { } exception
                        && !(exception is OperationCanceledException && arguments.Context.CancellationToken.IsCancellationRequested)),
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = options.RetryMaxDelay,
                    UseJitter = false,
                    OnRetry = arguments =>
                    {
                        if (arguments.Context.Properties.TryGetValue(TopicKey, out var retriedTopic))
                        {
                            flowObserver.OnRetried(groupId, retriedTopic);
                        }

                        logger.LogWarning(
                            arguments.Outcome.Exception,
                            "Handler failed (attempt {Attempt}); retrying in {Delay}",
                            arguments.AttemptNumber + 1,
                            arguments.RetryDelay);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
    }

    public async Task ProcessAsync(ConsumeResult<byte[]?, byte[]?> record, CancellationToken cancellationToken)
    {
        flowObserver.OnConsumed(groupId, record.Topic);
        var started = timeProvider.GetTimestamp();
        // Not an envelope: no retry can fix the bytes, so it goes straight to dead-letter.
        if (!serializer.TryDeserialize(record.Message.Value, out var envelope, out var reason))
        {
            logger.LogWarning(
                "{Topic}[{Partition}]@{Offset} is not a valid envelope: {Reason}",
                record.Topic,
                record.Partition.Value,
                record.Offset.Value,
                reason);
            flowObserver.OnFailed(groupId, record.Topic, timeProvider.GetElapsedTime(started));
            await DeadLetterAsync(record, $"{typeof(InvalidEnvelopeException).FullName}: {reason}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var message = new ConsumedMessage(record, envelope);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(TopicKey, record.Topic);
        try
        {
            await retries.ExecuteAsync(
                    static async (context, state) => await state.handler(state.message, context.CancellationToken).ConfigureAwait(false),
                    context,
                    (handler, message))
                .ConfigureAwait(false);
            flowObserver.OnHandled(groupId, record.Topic, timeProvider.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            logger.LogError(
                exception,
                "Handler gave up on {Topic}[{Partition}]@{Offset} (message {MessageId})",
                record.Topic,
                record.Partition.Value,
                record.Offset.Value,
                envelope.MessageId);
            flowObserver.OnFailed(groupId, record.Topic, timeProvider.GetElapsedTime(started));
            await DeadLetterAsync(record, $"{exception.GetType().FullName}: {exception.Message}", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task DeadLetterAsync(ConsumeResult<byte[]?, byte[]?> record, string error, CancellationToken cancellationToken)
    {
        if (await deadLetters.PublishAsync(record, error, cancellationToken).ConfigureAwait(false))
        {
            flowObserver.OnDeadLettered(groupId, record.Topic);
        }
    }
}
