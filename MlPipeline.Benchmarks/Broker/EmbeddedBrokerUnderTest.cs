using MlPipeline.Broker;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// A fresh embedded broker per run (port 0), in memory or on a unique temporary directory that is deleted
/// on dispose, so no run sees another's data or page cache state from a previous topic.
/// </summary>
public sealed class EmbeddedBrokerUnderTest : IAsyncDisposable
{
    private readonly BrokerServer _server;
    private readonly string? _dataDirectory;

    private EmbeddedBrokerUnderTest(BrokerServer server, string? dataDirectory)
    {
        _server = server;
        _dataDirectory = dataDirectory;
    }

    public string BootstrapServers => _server.BootstrapServers;

    /// <summary>"memory" or the data directory, for the report.</summary>
    public string Description => _dataDirectory ?? "memory";

    public static async Task<EmbeddedBrokerUnderTest> StartAsync(BrokerStorageVariant variant, CancellationToken cancellationToken)
    {
        string? dataDirectory = variant == BrokerStorageVariant.Tmp
            ? Directory.CreateTempSubdirectory("mlpipeline-bench-").FullName
            : null;
        try
        {
            // Defaults otherwise (interval flush, 64 MiB segments): the figures are those of the broker as shipped.
            var options = new BrokerOptions { Port = 0, DataDirectory = dataDirectory, AutoCreateTopics = false };
            var server = await BrokerServer.StartAsync(options, loggerFactory: null, cancellationToken);
            return new EmbeddedBrokerUnderTest(server, dataDirectory);
        }
        catch
        {
            if (dataDirectory is not null) Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}
