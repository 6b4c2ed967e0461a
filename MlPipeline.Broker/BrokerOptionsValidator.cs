using System.Net;

namespace MlPipeline.Broker;

/// <summary>
/// Checks <see cref="BrokerOptions"/> before the broker starts: every limit in range, and no listener other machines
/// can reach without <see cref="BrokerOptions.AllowUnauthenticatedRemote"/> (the broker has no authentication).
/// Each problem is one line naming the option, the value and what is allowed.
/// </summary>
public static class BrokerOptionsValidator
{
    /// <summary>Kafka 4's lower bound of segment.bytes (KIP-1030): smaller segments only multiply files.</summary>
    public const int MinSegmentBytes = 1024 * 1024;

    /// <summary>Our upper bound of segment.bytes; segment positions are 32-bit in the index.</summary>
    public const int MaxSegmentBytes = 1024 * 1024 * 1024;

    /// <summary>The problems found; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Validate(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        void AtLeast(string name, long value, long min)
        {
            if (value < min) errors.Add($"{name} is {value}; it must be at least {min}");
        }
        AtLeast(nameof(options.MaxPartitionsPerTopic), options.MaxPartitionsPerTopic, 1);
        AtLeast(nameof(options.MaxPartitions), options.MaxPartitions, 1);
        AtLeast(nameof(options.FetchMaxBytes), options.FetchMaxBytes, 1024);
        AtLeast(nameof(options.MaxConnections), options.MaxConnections, 1);
        AtLeast(nameof(options.MaxConnectionsPerIp), options.MaxConnectionsPerIp, 1);
        AtLeast(nameof(options.MaxRequestBytes), options.MaxRequestBytes, 1024);
        AtLeast(nameof(options.MaxOpenSealedSegments), options.MaxOpenSealedSegments, 1);
        if (options.DefaultPartitions < 1 || options.DefaultPartitions > options.MaxPartitionsPerTopic)
            errors.Add($"{nameof(options.DefaultPartitions)} is {options.DefaultPartitions}; it must be 1-{options.MaxPartitionsPerTopic} ({nameof(options.MaxPartitionsPerTopic)})");
        if (options.OffsetsRetention <= TimeSpan.Zero)
            errors.Add($"{nameof(options.OffsetsRetention)} is {options.OffsetsRetention}; it must be positive");
        if (options.ProducerIdExpiration <= TimeSpan.Zero)
            errors.Add($"{nameof(options.ProducerIdExpiration)} is {options.ProducerIdExpiration}; it must be positive");
        if (options.ExpirationCheckInterval <= TimeSpan.Zero)
            errors.Add($"{nameof(options.ExpirationCheckInterval)} is {options.ExpirationCheckInterval}; it must be positive");
        if (options.ConnectionsMaxIdle <= TimeSpan.Zero && options.ConnectionsMaxIdle != Timeout.InfiniteTimeSpan)
            errors.Add($"{nameof(options.ConnectionsMaxIdle)} is {options.ConnectionsMaxIdle}; it must be positive, or Timeout.InfiniteTimeSpan to keep idle connections open");
        if (!options.AllowUnauthenticatedRemote && !IsLoopback(options.Host))
            errors.Add($"{nameof(options.Host)} '{options.Host}' can be reached from other machines, and the broker has no authentication: listen on 127.0.0.1, or allow it explicitly ({nameof(options.AllowUnauthenticatedRemote)})");
        return errors;
    }

    /// <summary>
    /// True when <paramref name="host"/> is only reachable from this machine: a loopback address or "localhost".
    /// Any other name counts as remote, since what it resolves to can change.
    /// </summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
