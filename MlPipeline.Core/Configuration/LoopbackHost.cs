using System.Net;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Whether a host name or address stays on this machine. One rule for every listener the configuration names (the
/// embedded broker's <c>broker.host</c>, the API's <c>http.host</c>); the broker executable keeps its own copy because
/// MlPipeline.Broker references nothing of ours.
/// </summary>
public static class LoopbackHost
{
    /// <summary>True for <c>localhost</c>, 127.0.0.0/8 and <c>::1</c> (bracketed or not); false for wildcards and real addresses.</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
