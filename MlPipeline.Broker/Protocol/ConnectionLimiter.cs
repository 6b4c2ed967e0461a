namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Counts live connections in total and per client address, and refuses one over
/// <see cref="BrokerOptions.MaxConnections"/> or <see cref="BrokerOptions.MaxConnectionsPerIp"/> (Kafka's
/// max.connections and max.connections.per.ip): each connection holds a socket, buffers and possibly a request frame of
/// up to socket.request.max.bytes, so their number is what bounds the broker's memory against many clients.
/// Owned by <see cref="BrokerServer"/>: its accept loop admits, each connection's task releases when it ends; the
/// counts are guarded by <c>_gate</c>.
/// </summary>
internal sealed class ConnectionLimiter(int maxConnections, int maxConnectionsPerAddress)
{
    private readonly Lock _gate = new();
    // client address => its live connections; an address leaves the map with its last connection
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Live connections admitted and not yet released.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _total;
        }
    }

    /// <summary>Admits a connection from <paramref name="address"/>, or says which limit it would break (null when admitted).</summary>
    public string? TryAdmit(string address)
    {
        lock (_gate)
        {
            if (_total >= maxConnections)
                return $"the broker already has {_total} connections (max_connections {maxConnections})";
            int fromAddress = _perAddress.GetValueOrDefault(address);
            if (fromAddress >= maxConnectionsPerAddress)
                return $"{address} already has {fromAddress} connections (max_connections_per_ip {maxConnectionsPerAddress})";
            _perAddress[address] = fromAddress + 1;
            _total++;
            return null;
        }
    }

    /// <summary>Releases a connection admitted by <see cref="TryAdmit"/>.</summary>
    public void Release(string address)
    {
        lock (_gate)
        {
            _total--;
            int remaining = _perAddress.GetValueOrDefault(address) - 1;
            if (remaining <= 0) _perAddress.Remove(address);
            else _perAddress[address] = remaining;
        }
    }
}
