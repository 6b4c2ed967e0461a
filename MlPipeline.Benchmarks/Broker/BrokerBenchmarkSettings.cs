using MlPipeline.Benchmarks.Common;

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
        var parsed = new BrokerBenchmarkSettings();
        var parser = new BenchmarkOptionParser()
            .Int("--messages", 1, int.MaxValue, messages => parsed = parsed with { Messages = messages })
            .Int("--max-mb", 1, int.MaxValue, megabytes => parsed = parsed with { MaxBytesPerRun = megabytes * 1024L * 1024 })
            // 16 bytes minimum: the latency run stores a send timestamp and a sequence number in the value.
            .IntList("--sizes", 16, int.MaxValue, sizes => parsed = parsed with { Sizes = sizes })
            .Option("--data-dir", "memory, tmp or both", text => TryVariants(text, variants => parsed = parsed with { Variants = variants }))
            .Int("--partitions", 1, int.MaxValue, partitions => parsed = parsed with { Partitions = partitions })
            .Int("--consumers", 1, int.MaxValue, consumers => parsed = parsed with { Consumers = consumers })
            .Int("--latency-rate", 1, int.MaxValue, rate => parsed = parsed with { LatencyRate = rate })
            .Int("--latency-seconds", 0, int.MaxValue, seconds => parsed = parsed with { LatencyDuration = TimeSpan.FromSeconds(seconds) })
            .Double("--warmup", 0, 1, fraction => parsed = parsed with { WarmUpFraction = fraction });
        bool ok = parser.TryParse(arguments, out error);
        settings = parsed;
        if (ok && parsed.Consumers > parsed.Partitions)
        {
            error = $"--consumers {parsed.Consumers} exceeds --partitions {parsed.Partitions}: a consumer would get no partition";
            return false;
        }

        return ok;
    }

    private static bool TryVariants(string text, Action<IReadOnlyList<BrokerStorageVariant>> apply)
    {
        IReadOnlyList<BrokerStorageVariant> variants = text.ToLowerInvariant() switch
        {
            "both" or "memory,tmp" or "tmp,memory" => [BrokerStorageVariant.Memory, BrokerStorageVariant.Tmp],
            "memory" => [BrokerStorageVariant.Memory],
            "tmp" => [BrokerStorageVariant.Tmp],
            _ => [],
        };
        if (variants.Count > 0)
        {
            apply(variants);
        }

        return variants.Count > 0;
    }
}
