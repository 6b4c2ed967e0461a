using MlPipeline.Broker;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Where this host's Kafka clients connect: <c>kafka.bootstrap_servers</c> for an external cluster, or the embedded
/// broker's bound address. In embedded mode the address is known only once the broker listens (port 0 picks a free
/// port), so it is set exactly once by <see cref="PipelineApplication.BuildAsync"/>, before any client is created.
/// </summary>
public sealed class KafkaEndpoint
{
    private string? _bootstrapServers;

    private KafkaEndpoint(BrokerMode mode, string? bootstrapServers, BrokerOptions? embeddedBroker)
    {
        Mode = mode;
        _bootstrapServers = bootstrapServers;
        EmbeddedBroker = embeddedBroker;
    }

    public BrokerMode Mode { get; }

    /// <summary>The embedded broker's options; null in external mode.</summary>
    public BrokerOptions? EmbeddedBroker { get; }

    public string BootstrapServers =>
        _bootstrapServers ?? throw new InvalidOperationException("The embedded broker has not been started yet.");

    public static KafkaEndpoint Resolve(PipelineConfig config) =>
        config.Broker.Mode == BrokerMode.External
            ? new KafkaEndpoint(BrokerMode.External, config.Kafka.BootstrapServers, embeddedBroker: null)
            : new KafkaEndpoint(BrokerMode.Embedded, bootstrapServers: null, EmbeddedBrokerOptionsFactory.Create(config));

    /// <summary>The running embedded broker, once attached.</summary>
    internal BrokerServer? EmbeddedServer { get; private set; }

    internal void AttachEmbeddedBroker(BrokerServer server)
    {
        if (Interlocked.CompareExchange(ref _bootstrapServers, server.BootstrapServers, null) is not null)
            throw new InvalidOperationException("The embedded broker's address is already set.");
        EmbeddedServer = server;
    }
}
