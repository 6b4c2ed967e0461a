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
    public string Host { get; } = options.AdvertisedHost
        ?? (options.Host is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : options.Host);

    /// <summary>The advertised port. Written by the server after binding, before the first connection.</summary>
    public int Port { get; internal set; } = options.Port;
}
