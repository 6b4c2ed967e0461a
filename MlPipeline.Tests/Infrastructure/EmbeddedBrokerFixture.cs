using Microsoft.Extensions.Logging;
using MlPipeline.Broker;

namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// A real <see cref="BrokerServer"/> for tests: in memory (unless a data directory is configured), bound to a
/// free port, logging warnings to NUnit's progress output. Start one per fixture in [OneTimeSetUp], give
/// <see cref="BootstrapServers"/> to clients, use <see cref="UniqueName"/> for topics and groups, and dispose
/// it in [OneTimeTearDown].
/// </summary>
public sealed class EmbeddedBrokerFixture : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private EmbeddedBrokerFixture(BrokerServer server, ILoggerFactory loggerFactory, BrokerOptions options)
    {
        Server = server;
        _loggerFactory = loggerFactory;
        Options = options;
    }

    public BrokerServer Server { get; }

    /// <summary>The options the broker runs with (port 0 in, real port in <see cref="BootstrapServers"/>).</summary>
    public BrokerOptions Options { get; }

    /// <summary>"127.0.0.1:port" of the running broker.</summary>
    public string BootstrapServers => Server.BootstrapServers;

    /// <summary>A topic, group or client name no other test uses (see <see cref="UniqueNames"/>).</summary>
    public static string UniqueName(string prefix) => UniqueNames.For(prefix);

    /// <summary>Starts a broker on a free port. <paramref name="configure"/> may change any option; the port stays 0.</summary>
    public static async Task<EmbeddedBrokerFixture> StartAsync(Action<BrokerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new BrokerOptions { Host = "127.0.0.1", DefaultPartitions = 3 };
        configure?.Invoke(options);
        options.Port = 0;
        var loggerFactory = NUnitProgressLoggerProvider.CreateFactory();
        try
        {
            var server = await BrokerServer.StartAsync(options, loggerFactory, cancellationToken);
            return new EmbeddedBrokerFixture(server, loggerFactory, options);
        }
        catch
        {
            loggerFactory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
