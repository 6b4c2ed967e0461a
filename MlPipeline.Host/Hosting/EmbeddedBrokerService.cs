using MlPipeline.Broker;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Runs MlPipeline.Broker inside the host when <c>broker.mode</c> is <c>embedded</c>. It is registered before every
/// other hosted service: the Generic Host starts hosted services in registration order and stops them in reverse,
/// so the broker listens before any stage connects and closes only after the last stage has committed its offsets.
/// </summary>
internal sealed class EmbeddedBrokerService(
    BrokerOptions options,
    ILoggerFactory loggerFactory,
    ILogger<EmbeddedBrokerService> logger) : IHostedService, IAsyncDisposable
{
    private BrokerServer? _server;

    /// <summary>The address clients use, once started.</summary>
    public string? BootstrapServers => _server?.BootstrapServers;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Binding happens inside StartAsync (not ExecuteAsync) so a port conflict fails start-up loudly.
        _server = await BrokerServer.StartAsync(options, loggerFactory, cancellationToken);
        logger.LogInformation(
            "Embedded Kafka broker listening on {BootstrapServers}, data in {DataDirectory}",
            _server.BootstrapServers, options.DataDirectory ?? "(memory)");
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        var server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            await server.DisposeAsync();
            logger.LogInformation("Embedded Kafka broker stopped");
        }
    }
}
