using System.Net;

namespace MlPipeline.Core.Security;

/// <summary>
/// Refuses to expose an open API: listening beyond this machine with no API key configured is allowed only with
/// <c>auth.allow_anonymous: true</c>. Anyone who can reach the port could otherwise replace the production model.
/// </summary>
public static class ListenAddressGuard
{
    /// <summary>The one-line reason start-up must stop, or null when <paramref name="urls"/> are safe to listen on.</summary>
    public static string? Check(IEnumerable<string> urls, bool hasKeys, bool allowAnonymous)
    {
        if (hasKeys || allowAnonymous)
        {
            return null;
        }

        var exposed = urls.FirstOrDefault(url => !IsLoopback(url));
        return exposed is null
            ? null
            : $"refusing to listen on {exposed} with no API key: anyone who can reach it could replace models. "
                + $"Create a key with 'MlPipeline.Host keys create NAME --role admin' and add the printed line under auth.api_keys "
                + $"(or set {ApiKeyRing.EnvironmentVariable}=admin:KEY), listen on 127.0.0.1, or set auth.allow_anonymous: true.";
    }

    /// <summary>True for http://127.0.0.1:…, http://[::1]:…, http://localhost:…; false for 0.0.0.0, *, + and real addresses.</summary>
    public static bool IsLoopback(string url)
    {
        // Kestrel's wildcard forms are not valid URIs; they mean "every interface".
        var host = url;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var end = host.IndexOf('/');
        if (end >= 0)
        {
            host = host[..end];
        }

        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            host = close > 0 ? host[1..close] : host;
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
