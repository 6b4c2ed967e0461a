using System.Collections.Frozen;
using System.Globalization;

namespace MlPipeline.Broker;

/// <summary>Parses the stand-alone broker's command line into <see cref="BrokerOptions"/>.</summary>
public static class BrokerCommandLine
{
    public const string Usage = """
        Usage: MlPipeline.Broker [options]
          --port <n>                  Port to listen on; 0 picks a free one (default 9092)
          --host <address>            Address to listen on (default 127.0.0.1)
          --advertised-host <name>    Host name given to clients (default: the listen address)
          --data-dir <path>           Directory for logs and offsets (default: keep everything in memory)
          --partitions <n>            Partitions of auto-created topics (default 3)
          --flush always|interval     fsync every produce, or every second (default interval)
          --no-auto-create            Do not create topics on first use
          --connections-max-idle-ms <n>  Close connections idle this long; -1 never (default 600000)
          --max-partitions-per-topic <n>  Most partitions of one topic (default 256)
          --max-partitions <n>        Most partitions of all topics together (default 4096)
          --fetch-max-bytes <n>       Most record bytes in one fetch response (default 57671680)
          --max-connections <n>       Most client connections at once (default 1000)
          --max-connections-per-ip <n>  Most connections from one address (default 500)
          --socket-request-max-bytes <n>  Largest request frame (default 104857600)
          --offsets-retention-minutes <n>  Empty groups' offsets expire after this (default 10080)
          --producer-id-expiration-ms <n>  Forget idle idempotent producers after this (default 86400000)
          --no-client-topic-admin     Refuse CreateTopics, DeleteTopics, CreatePartitions and auto-creation
          --allow-unauthenticated-remote  Allow a --host other machines can reach (there is no authentication)
          --help                      Show this text
        """;

    private static readonly FrozenSet<string> ValueOptions = new[]
    {
        "--port", "--host", "--advertised-host", "--data-dir", "--partitions", "--flush", "--connections-max-idle-ms",
        "--max-partitions-per-topic", "--max-partitions", "--fetch-max-bytes", "--max-connections", "--max-connections-per-ip",
        "--socket-request-max-bytes", "--offsets-retention-minutes", "--producer-id-expiration-ms",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static bool TryParse(IReadOnlyList<string> args, out BrokerOptions options, out string? error)
    {
        options = new BrokerOptions();
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "--no-auto-create":
                    options.AutoCreateTopics = false;
                    continue;
                case "--no-client-topic-admin":
                    options.AllowClientTopicAdmin = false;
                    continue;
                case "--allow-unauthenticated-remote":
                    options.AllowUnauthenticatedRemote = true;
                    continue;
            }
            if (!ValueOptions.Contains(name))
            {
                error = $"unknown option '{name}'";
                return false;
            }
            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return false;
            }
            string value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535:
                    options.Port = port;
                    break;
                case "--host" when value.Length > 0:
                    options.Host = value;
                    break;
                case "--advertised-host" when value.Length > 0:
                    options.AdvertisedHost = value;
                    break;
                case "--data-dir" when value.Length > 0:
                    options.DataDirectory = Path.GetFullPath(value);
                    break;
                case "--partitions" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int partitions) && partitions > 0:
                    options.DefaultPartitions = partitions;
                    break;
                case "--flush" when value is "always" or "interval":
                    options.FlushPolicy = value == "always" ? FlushPolicy.Always : FlushPolicy.Interval;
                    break;
                case "--connections-max-idle-ms" when int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int idleMs) && idleMs is -1 or > 0:
                    options.ConnectionsMaxIdle = idleMs == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(idleMs);
                    break;
                case "--max-partitions-per-topic" when TryParsePositive(value, out int perTopic):
                    options.MaxPartitionsPerTopic = perTopic;
                    break;
                case "--max-partitions" when TryParsePositive(value, out int total):
                    options.MaxPartitions = total;
                    break;
                case "--fetch-max-bytes" when TryParsePositive(value, out int fetchMaxBytes) && fetchMaxBytes >= 1024:
                    options.FetchMaxBytes = fetchMaxBytes;
                    break;
                case "--max-connections" when TryParsePositive(value, out int connections):
                    options.MaxConnections = connections;
                    break;
                case "--max-connections-per-ip" when TryParsePositive(value, out int perIp):
                    options.MaxConnectionsPerIp = perIp;
                    break;
                case "--socket-request-max-bytes" when TryParsePositive(value, out int requestBytes) && requestBytes >= 1024:
                    options.MaxRequestBytes = requestBytes;
                    break;
                case "--offsets-retention-minutes" when TryParsePositive(value, out int retentionMinutes):
                    options.OffsetsRetention = TimeSpan.FromMinutes(retentionMinutes);
                    break;
                case "--producer-id-expiration-ms" when TryParsePositive(value, out int expirationMs):
                    options.ProducerIdExpiration = TimeSpan.FromMilliseconds(expirationMs);
                    break;
                default:
                    error = $"invalid value '{value}' for {name}";
                    return false;
            }
        }
        // Rules spanning options (default partitions within the per-topic limit, a reachable host only when allowed).
        if (BrokerOptionsValidator.Validate(options) is [var first, ..])
        {
            error = !options.AllowUnauthenticatedRemote && !BrokerOptionsValidator.IsLoopback(options.Host)
                ? $"--host {options.Host} can be reached from other machines and the broker has no authentication; use 127.0.0.1, or pass --allow-unauthenticated-remote"
                : first;
            return false;
        }
        return true;
    }

    private static bool TryParsePositive(string value, out int parsed) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out parsed) && parsed > 0;
}
