using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Delivers what the process's producer still holds before the embedded broker closes. Registered right after
/// <see cref="EmbeddedBrokerService"/>, so the host stops it after every stage (they may still have produced while
/// draining) and just before the broker: without it the producer would only flush when the container is disposed,
/// when the embedded broker is already gone and the last results or offsets' side effects would be lost.
/// </summary>
internal sealed class ProducerDrainService(KafkaProducerManager producer, ILogger<ProducerDrainService> logger) : IHostedService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        // Flush blocks; keep it off the host's stopping thread.
        Task.Run(() =>
        {
            int undelivered = producer.Flush(DrainTimeout);
            if (undelivered > 0)
                logger.LogError("{Count} produced messages were still undelivered after {Timeout} at shutdown", undelivered, DrainTimeout);
        }, CancellationToken.None);
}
