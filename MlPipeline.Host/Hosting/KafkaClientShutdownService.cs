using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Closes the process's long-lived Kafka clients — the producer after delivering what it still holds, then the admin
/// and health clients — while the broker is still there. Registered right after <see cref="EmbeddedBrokerService"/>,
/// so the host stops it after every stage (they may still have produced while draining; Kestrel, added last by
/// WebApplication, has stopped first) and just before the broker. Without it the clients would live until the
/// container is disposed: the producer's last messages would meet a closed embedded broker, and every client would
/// log "connection refused" errors on each graceful stop, teaching operators to ignore errors.
/// </summary>
internal sealed class KafkaClientShutdownService(
    KafkaProducerManager producer,
    TopicAdministrator administrator,
    KafkaHealthChecker healthChecker,
    ILogger<KafkaClientShutdownService> logger) : IHostedService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        // Flush and Dispose block; keep them off the host's stopping thread.
        Task.Run(() =>
        {
            int undelivered = producer.Flush(DrainTimeout);
            if (undelivered > 0)
                logger.LogError("{Count} produced messages were still undelivered after {Timeout} at shutdown", undelivered, DrainTimeout);

            // Each is disposed again with the container; their Dispose is idempotent.
            producer.Dispose();
            healthChecker.Dispose();
            administrator.Dispose();
        }, CancellationToken.None);
}
