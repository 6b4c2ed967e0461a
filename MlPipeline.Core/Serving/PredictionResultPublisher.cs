using System.Text.Json;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;
using Polly;
using Polly.Retry;

namespace MlPipeline.Core.Serving;

/// <summary>Where results go and how hard delivery is retried.</summary>
/// <param name="Topic">The prediction results topic.</param>
/// <param name="MaxInFlight">Results on their way at once (<c>serving.batch_size</c>).</param>
/// <param name="MaxRetries">Retries after the producer's own ones failed (<c>error_handling.max_retries</c>).</param>
/// <param name="RetryBaseDelay">Delay before the first retry, doubling after each (<c>error_handling.retry_delay_seconds</c>).</param>
public sealed record PredictionResultPublisherOptions(string Topic, int MaxInFlight, int MaxRetries, TimeSpan RetryBaseDelay);

/// <summary>
/// Sends results without waiting for each acknowledgement in turn: up to <c>MaxInFlight</c> results are on their way
/// at once (librdkafka batches them), and a send waits only when that many are unacknowledged.
/// <para>
/// A result is handed over after its request was evaluated and before the request's offset is stored, so a result
/// that fails to reach the topic is not redelivered by Kafka: the request is done as far as the group is concerned.
/// Its caller must not simply never hear, so a failed delivery (after the producer's own retries) is
/// <list type="number">
/// <item>answered locally at once: when this instance's HTTP API issued the request, the result goes straight into its
/// <see cref="PredictionResultCache"/> (the caller waiting on <c>wait_ms</c> or polling GET gets it without waiting out
/// the retries; a later delivery is ignored there);</item>
/// <item>retried with exponential backoff, a bounded number of times, for callers elsewhere (other instances' APIs,
/// plain Kafka clients), holding its in-flight slot so a results topic that takes nothing slows serving down instead of
/// piling up retries;</item>
/// <item>counted and reported (<see cref="IPredictionResultDeliveryObserver"/>: metrics and <c>/api/status</c>) and
/// logged with its request id when every retry failed.</item>
/// </list>
/// </para>
/// <see cref="DrainAsync"/> waits for everything sent so far, retries included, for shutdown.
/// </summary>
public sealed class PredictionResultPublisher : IDisposable
{
    private readonly KafkaProducerManager producer;
    private readonly PredictionResultPublisherOptions options;
    private readonly PredictionResultCache localResults;
    private readonly IPredictionResultDeliveryObserver observer;
    private readonly ILogger<PredictionResultPublisher> logger;
    private readonly SemaphoreSlim slots;
    private readonly ResiliencePipeline retries;

    // Ends pending retry delays on dispose: a result still being retried then counts as undelivered.
    private readonly CancellationTokenSource stopping = new();

    public PredictionResultPublisher(
        KafkaProducerManager producer,
        PredictionResultPublisherOptions options,
        PredictionResultCache localResults,
        TimeProvider timeProvider,
        ILogger<PredictionResultPublisher> logger,
        IPredictionResultDeliveryObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        this.producer = producer;
        this.options = options;
        this.localResults = localResults;
        this.observer = observer ?? NullPredictionResultDeliveryObserver.Instance;
        this.logger = logger;
        slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);

        // Polly's retry needs at least one attempt; max_retries 0 means the first failure is final.
        retries = options.MaxRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<MessageDeliveryException>(),
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = options.RetryBaseDelay,
                    UseJitter = false,
                })
                .Build();
    }

    /// <summary>Hands <paramref name="result"/> to the producer, keyed by its correlation id; waits only for a free slot.</summary>
    public async Task PublishAsync(KafkaMessage result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task send;
        try
        {
            // Not cancelled by the caller: once handed over, a result is delivered even while the stage stops.
            send = producer.SendAsync(options.Topic, result, result.CorrelationId, CancellationToken.None);
        }
        catch
        {
            slots.Release();
            throw;
        }

        _ = DeliverAsync(send, result);
    }

    /// <summary>Waits until every result handed over so far was acknowledged or given up.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        for (var taken = 0; taken < options.MaxInFlight; taken++)
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        slots.Release(options.MaxInFlight);
    }

    // The semaphore is not disposed: a delivery finishing after dispose still releases its slot, and a SemaphoreSlim
    // whose wait handle was never asked for holds nothing to free.
    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task DeliverAsync(Task firstSend, KafkaMessage result)
    {
        var requestId = result.CorrelationId;
        var attempt = 0;
        var answeredLocally = false;
        try
        {
            await retries.ExecuteAsync(
                    async token =>
                    {
                        attempt++;
                        try
                        {
                            // The first attempt is the send PublishAsync started; each retry is a new one.
                            await (attempt == 1 ? firstSend : producer.SendAsync(options.Topic, result, requestId, token)).ConfigureAwait(false);
                        }
                        catch (MessageDeliveryException exception)
                        {
                            observer.OnAttemptFailed(requestId, attempt, exception.Message);
                            answeredLocally |= attempt == 1 && AnswerLocalCaller(result);
                            logger.LogWarning(
                                "Result of request {RequestId} could not be delivered to {Topic} (attempt {Attempt} of {Attempts}): {Reason}",
                                requestId, options.Topic, attempt, options.MaxRetries + 1, exception.Message);
                            throw;
                        }
                    },
                    stopping.Token)
                .ConfigureAwait(false);
            if (attempt > 1)
            {
                observer.OnDeliveredAfterRetry(requestId, attempt);
                logger.LogDebug("Result of request {RequestId} delivered to {Topic} at attempt {Attempt}", requestId, options.Topic, attempt);
            }
        }
        catch (Exception exception)
        {
            // Nobody awaits this task, so every failure is reported here: besides delivery errors and a stop during the
            // backoff, a retry after the host closed the producer (a stop that outlived its timeout) is refused with
            // ObjectDisposedException.
            var reason = exception switch
            {
                OperationCanceledException => "the publisher stopped while retrying",
                ObjectDisposedException => "the producer was closed while retrying",
                _ => exception.Message,
            };
            observer.OnUndelivered(requestId, reason, answeredLocally);
            logger.LogError(
                "Result of request {RequestId} was NOT delivered to {Topic} after {Attempts} attempts ({Reason}); {Caller}",
                requestId,
                options.Topic,
                attempt,
                reason,
                answeredLocally ? "its caller on this instance got it directly" : "a caller elsewhere will not get it");
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Completes the request in this instance's result cache when its HTTP API issued it; false otherwise.</summary>
    private bool AnswerLocalCaller(KafkaMessage result)
    {
        if (result.CorrelationId is not { } requestId)
        {
            return false;
        }

        // Answered in-process (DirectPredictionService) before it was published: the caller has it already.
        if (localResults.Get(requestId).State == PredictionLookupState.Completed)
        {
            return true;
        }

        if (!localResults.IsPending(requestId))
        {
            return false;
        }

        try
        {
            return localResults.TryComplete(requestId, PredictionResult.FromJson(result.Data));
        }
        catch (JsonException exception)
        {
            // Only this class's own replies come here; a data shape it cannot read back would be a bug, not a caller's fault.
            logger.LogError(exception, "Result of request {RequestId} could not be read back to answer its caller", requestId);
            return false;
        }
    }
}
