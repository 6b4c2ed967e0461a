using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Core.Serving;

/// <summary>
/// Sends results without waiting for each acknowledgement in turn: up to <c>maxInFlight</c> results are on their way
/// at once (librdkafka batches them), and a send waits only when that many are unacknowledged. A result that still
/// fails after the producer's own retries is logged with its correlation id. <see cref="DrainAsync"/> waits for
/// everything sent so far, for shutdown.
/// </summary>
public sealed class PredictionResultPublisher : IDisposable
{
    private readonly KafkaProducerManager producer;
    private readonly string topic;
    private readonly int maxInFlight;
    private readonly ILogger<PredictionResultPublisher> logger;
    private readonly SemaphoreSlim slots;

    public PredictionResultPublisher(KafkaProducerManager producer, string topic, int maxInFlight, ILogger<PredictionResultPublisher> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        this.producer = producer;
        this.topic = topic;
        this.maxInFlight = maxInFlight;
        this.logger = logger;
        slots = new SemaphoreSlim(maxInFlight, maxInFlight);
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
            send = producer.SendAsync(topic, result, result.CorrelationId, CancellationToken.None);
        }
        catch
        {
            slots.Release();
            throw;
        }

        _ = AwaitDeliveryAsync(send, result.CorrelationId);
    }

    /// <summary>Waits until every result handed over so far was acknowledged (or failed).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        for (var taken = 0; taken < maxInFlight; taken++)
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        slots.Release(maxInFlight);
    }

    public void Dispose() => slots.Dispose();

    private async Task AwaitDeliveryAsync(Task send, string? correlationId)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (MessageDeliveryException exception)
        {
            logger.LogError(exception, "Result of request {RequestId} could not be delivered to {Topic}", correlationId, topic);
        }
        finally
        {
            slots.Release();
        }
    }
}
