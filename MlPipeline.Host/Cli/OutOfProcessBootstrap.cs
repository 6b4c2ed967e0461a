using MlPipeline.Broker.State;
using MlPipeline.Core.Configuration;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Host.Cli;

/// <summary>
/// Where a client in ANOTHER process (the command line, scripts) finds the broker a configuration describes. In
/// external mode that is <c>kafka.bootstrap_servers</c>. In embedded mode the broker lives inside a running
/// <c>serve</c> process, so it is <c>broker.host:broker.port</c>; another process must never start a second
/// broker on the same data directory, it can only connect to the running one.
/// </summary>
public static class OutOfProcessBootstrap
{
    /// <summary>The bootstrap list, or an explanation of why another process cannot know it.</summary>
    public static OutOfProcessBootstrapResult Resolve(PipelineConfig config)
    {
        if (config.Broker.Mode == BrokerMode.External)
            return new OutOfProcessBootstrapResult(config.Kafka.BootstrapServers, Problem: null);

        if (config.Broker.Port == 0)
            return new OutOfProcessBootstrapResult(null,
                "broker.port is 0, so the embedded broker of a running host listens on a port picked at start-up that " +
                "another process cannot know; set broker.port, or use broker.mode external with kafka.bootstrap_servers " +
                $"(or {PipelineConfigLoader.BootstrapServersVariable})");

        // The same address the running host's broker advertises (a broker on every interface is reached via loopback).
        var identity = new BrokerIdentity(EmbeddedBrokerOptionsFactory.Create(config));
        return new OutOfProcessBootstrapResult(identity.BootstrapAddress, Problem: null);
    }
}

/// <param name="BootstrapServers">host:port list; null when <paramref name="Problem"/> says why there is none.</param>
public sealed record OutOfProcessBootstrapResult(string? BootstrapServers, string? Problem);
