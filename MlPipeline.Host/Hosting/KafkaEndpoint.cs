using System.Net;
using System.Net.Sockets;
using MlPipeline.Broker;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Where this host's Kafka clients connect: the embedded broker's own address, or <c>kafka.bootstrap_servers</c>
/// for an external cluster. Decided once, before any client is built.
/// </summary>
internal sealed record KafkaEndpoint(BrokerMode Mode, string BootstrapServers, BrokerOptions? EmbeddedBroker)
{
    public static KafkaEndpoint Resolve(PipelineConfig config)
    {
        if (config.Broker.Mode == BrokerMode.External)
            return new KafkaEndpoint(BrokerMode.External, config.Kafka.BootstrapServers, EmbeddedBroker: null);

        var broker = EmbeddedBrokerOptionsFactory.Create(config);
        // Clients are configured before the broker binds, so "port 0" is turned into a concrete free port now.
        if (broker.Port == 0)
            broker.Port = FindFreePort(broker.Host);
        var identity = new Broker.State.BrokerIdentity(broker);
        return new KafkaEndpoint(BrokerMode.Embedded, $"{identity.Host}:{broker.Port}", broker);
    }

    private static int FindFreePort(string host)
    {
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : IPAddress.Loopback;
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
