using System.Globalization;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>Which embedded-broker storage a run uses.</summary>
public enum BrokerStorageVariant
{
    /// <summary>InMemoryLogStore: the broker's protocol and bookkeeping cost without disk I/O.</summary>
    Memory,
    /// <summary>FileLogStore in a fresh temporary directory, default flush policy (interval).</summary>
    Tmp,
}

/// <summary>Command-line options of the broker benchmark.</summary>
public sealed record BrokerBenchmarkSettings
{
    /// <summary>Messages per throughput run for 100-byte messages.</summary>
    public int Messages { get; init; } = 1_000_000;

    /// <summary>
    /// Upper bound on the bytes one throughput run writes: larger messages get fewer of them, so a 1 KiB run
    /// does not hold a gigabyte in the in-memory store and the consumer's queue at once.
    /// </summary>
    public long MaxBytesPerRun { get; init; } = 256L * 1024 * 1024;

    public IReadOnlyList<int> Sizes { get; init; } = [100, 1024];

    public IReadOnlyList<BrokerStorageVariant> Variants { get; init; } = [BrokerStorageVariant.Memory, BrokerStorageVariant.Tmp];

    /// <summary>Partitions of every benchmark topic; librdkafka batches per partition and sends them in one request.</summary>
    public int Partitions { get; init; } = 3;

    /// <summary>Consumers reading the throughput topic in parallel, each assigned a share of the partitions.</summary>
    public int Consumers { get; init; } = 1;

    /// <summary>Messages per second in the latency run: a moderate, steady rate far below saturation.</summary>
    public int LatencyRate { get; init; } = 5_000;

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Share of the messages sent first, unmeasured, to JIT and warm both client and broker.</summary>
    public double WarmUpFraction { get; init; } = 0.1;

    public int MessagesFor(int size) => (int)Math.Max(1, Math.Min(Messages, MaxBytesPerRun / size));

    public int WarmUpMessagesFor(int size) => Math.Max(1_000, (int)(MessagesFor(size) * WarmUpFraction));

    public const string Usage = """
        usage: dotnet run -c Release --project MlPipeline.Benchmarks -- broker [options]
          --messages N         messages per throughput run (default 1000000; capped so one run writes at most
                               --max-mb, i.e. 262144 messages of 1 KiB)
          --max-mb M           byte cap per throughput run in MiB (default 256)
          --sizes A,B          message value sizes in bytes (default 100,1024)
          --data-dir V[,V]     broker storage: memory, tmp (file log in a temp dir) or both (default both)
          --partitions P       partitions of every benchmark topic (default 3)
          --consumers C        parallel consumers in the consume run, partitions split between them (default 1)
          --latency-rate R     messages/s in the latency run (default 5000)
          --latency-seconds S  length of the latency run (default 10; 0 skips it)
          --warmup F           fraction of --messages sent first, unmeasured (default 0.1; at least 1000)
        """;

    public static bool TryParse(IReadOnlyList<string> arguments, out BrokerBenchmarkSettings settings, out string? error)
    {
        settings = new BrokerBenchmarkSettings();
        error = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            string name = arguments[i];
            if (i + 1 >= arguments.Count)
            {
                error = $"{name} needs a value";
                return false;
            }
            string value = arguments[++i];
            switch (name)
            {
                case "--messages" when TryPositive(value, out int messages):
                    settings = settings with { Messages = messages };
                    break;
                case "--max-mb" when TryPositive(value, out int megabytes):
                    settings = settings with { MaxBytesPerRun = megabytes * 1024L * 1024 };
                    break;
                case "--sizes" when TryList(value, out var sizes):
                    settings = settings with { Sizes = sizes };
                    break;
                case "--data-dir" when TryVariants(value, out var variants):
                    settings = settings with { Variants = variants };
                    break;
                case "--partitions" when TryPositive(value, out int partitions):
                    settings = settings with { Partitions = partitions };
                    break;
                case "--consumers" when TryPositive(value, out int consumers):
                    settings = settings with { Consumers = consumers };
                    break;
                case "--latency-rate" when TryPositive(value, out int rate):
                    settings = settings with { LatencyRate = rate };
                    break;
                case "--latency-seconds" when int.TryParse(value, CultureInfo.InvariantCulture, out int seconds) && seconds >= 0:
                    settings = settings with { LatencyDuration = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--warmup" when double.TryParse(value, CultureInfo.InvariantCulture, out double fraction) && fraction is >= 0 and <= 1:
                    settings = settings with { WarmUpFraction = fraction };
                    break;
                default:
                    error = $"unknown option or bad value: {name} {value}";
                    return false;
            }
        }
        if (settings.Consumers > settings.Partitions)
        {
            error = $"--consumers {settings.Consumers} exceeds --partitions {settings.Partitions}: a consumer would get no partition";
            return false;
        }
        return true;
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out value) && value > 0;

    private static bool TryList(string text, out IReadOnlyList<int> values)
    {
        var parsed = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // 16 bytes minimum: the latency run stores a send timestamp and a sequence number in the value.
            if (!TryPositive(part, out int size) || size < 16) { values = []; return false; }
            parsed.Add(size);
        }
        values = parsed;
        return parsed.Count > 0;
    }

    private static bool TryVariants(string text, out IReadOnlyList<BrokerStorageVariant> variants)
    {
        variants = text.ToLowerInvariant() switch
        {
            "both" => [BrokerStorageVariant.Memory, BrokerStorageVariant.Tmp],
            "memory" => [BrokerStorageVariant.Memory],
            "tmp" => [BrokerStorageVariant.Tmp],
            "memory,tmp" or "tmp,memory" => [BrokerStorageVariant.Memory, BrokerStorageVariant.Tmp],
            _ => [],
        };
        return variants.Count > 0;
    }
}
