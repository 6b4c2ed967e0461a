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
          --help                      Show this text
        """;

    private static readonly FrozenSet<string> ValueOptions = new[] { "--port", "--host", "--advertised-host", "--data-dir", "--partitions", "--flush", "--connections-max-idle-ms" }.ToFrozenSet(StringComparer.Ordinal);

    public static bool TryParse(IReadOnlyList<string> args, out BrokerOptions options, out string? error)
    {
        options = new BrokerOptions();
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name == "--no-auto-create")
            {
                options.AutoCreateTopics = false;
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
                case "--partitions" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int partitions) && partitions is > 0 and <= 10_000:
                    options.DefaultPartitions = partitions;
                    break;
                case "--flush" when value is "always" or "interval":
                    options.FlushPolicy = value == "always" ? FlushPolicy.Always : FlushPolicy.Interval;
                    break;
                case "--connections-max-idle-ms" when int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int idleMs) && idleMs is -1 or > 0:
                    options.ConnectionsMaxIdle = idleMs == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(idleMs);
                    break;
                default:
                    error = $"invalid value '{value}' for {name}";
                    return false;
            }
        }
        return true;
    }
}
