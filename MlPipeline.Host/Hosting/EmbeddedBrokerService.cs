namespace MlPipeline.Host.Hosting;

/// <summary>
/// Owns the embedded MlPipeline.Broker for the host's lifetime. The broker is started while the host is built (so its
/// address is known before any Kafka client is configured); this service is registered before every other hosted
/// service, and the Generic Host stops hosted services in reverse order, so the broker closes only after the last
/// stage has committed its offsets.
/// </summary>
internal sealed class EmbeddedBrokerService(KafkaEndpoint endpoint, ILogger<EmbeddedBrokerService> logger) : IHostedService, IAsyncDisposable
{
    private int _stopped;

    public Task StartAsync(CancellationToken cancellationToken) =>
        endpoint.EmbeddedServer is null
            ? throw new InvalidOperationException("Build the host with PipelineApplication.BuildAsync, which starts the embedded broker.")
            : Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (endpoint.EmbeddedServer is not { } server || Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        await server.DisposeAsync();
        logger.LogInformation("Embedded Kafka broker on {BootstrapServers} stopped", server.BootstrapServers);
    }
}
