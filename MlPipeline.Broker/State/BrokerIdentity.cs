namespace MlPipeline.Broker.State;

/// <summary>
/// Who this node is and where clients reach it. The port is only known once the listener is bound
/// (port 0 picks a free one), so the server sets <see cref="Port"/> once, before accepting connections;
/// after that every reader sees a fixed value.
/// </summary>
public sealed class BrokerIdentity(BrokerOptions options)
{
    public int NodeId { get; } = options.NodeId;
    public string ClusterId { get; } = options.ClusterId;

    /// <summary>The host advertised in Metadata and FindCoordinator (a bare IPv6 address stays unbracketed there).</summary>
    public string Host { get; } = options.AdvertisedHost ?? ReachableHost(options.Host);

    /// <summary>The advertised port. Written by the server after binding, before the first connection.</summary>
    public int Port { get; internal set; } = options.Port;

    /// <summary>"host:port" as a client's bootstrap.servers wants it (an IPv6 address in brackets).</summary>
    public string BootstrapAddress => BootstrapAddressOf(Host, Port);

    /// <summary>
    /// The address a client on this machine uses for a listener bound to <paramref name="listenHost"/>: a broker
    /// listening on every interface is reached through loopback.
    /// </summary>
    public static string ReachableHost(string listenHost) =>
        listenHost is "0.0.0.0" or "::" or "[::]" or "*" ? "127.0.0.1" : listenHost;

    public static string BootstrapAddressOf(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
}
