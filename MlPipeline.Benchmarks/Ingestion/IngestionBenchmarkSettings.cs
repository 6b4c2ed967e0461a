using System.Globalization;

namespace MlPipeline.Benchmarks.Ingestion;

/// <summary>Command-line options of the ingestion benchmark.</summary>
public sealed record IngestionBenchmarkSettings
{
    /// <summary>Rows per measured CSV; each size runs on a fresh host, smallest first.</summary>
    public IReadOnlyList<int> Rows { get; init; } = [1_000_000];

    /// <summary>data.chunk_size: CSV rows per RAW_DATA message (the shipped default is 100).</summary>
    public int ChunkSize { get; init; } = 100;

    /// <summary>producer.linger_ms (the shipped default is 5): how long every stage's producer waits to fill a batch.</summary>
    public int LingerMs { get; init; } = 5;

    /// <summary>Rows of an unmeasured dataset ingested first on the same host (JIT, connections, consumer groups joined).</summary>
    public int WarmUpRows { get; init; } = 100_000;

    /// <summary>How often progress, the processed topic and memory are sampled.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A run that has not completed by then is reported as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(20);

    public const string Usage = """
        usage: dotnet run -c Release --project MlPipeline.Benchmarks -- ingest [options]
          --rows N[,N]          rows of each generated CSV, one fresh host per size (default 1000000;
                                e.g. 250000,1000000 to compare memory across sizes)
          --chunk-size C        data.chunk_size, CSV rows per RAW_DATA message (default 100, the shipped default)
          --linger-ms L         producer.linger_ms of the host (default 5, the shipped default)
          --warmup-rows W       rows of an unmeasured dataset ingested first on the same host (default 100000; 0 skips)
          --sample-ms S         sampling period of progress, topic watermarks and memory (default 100)
          --timeout-seconds T   give up on a run after T seconds (default 1200)
        """;

    public static bool TryParse(IReadOnlyList<string> arguments, out IngestionBenchmarkSettings settings, out string? error)
    {
        settings = new IngestionBenchmarkSettings();
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
                case "--rows" when TryPositiveList(value, out var rows):
                    settings = settings with { Rows = [.. rows.Order()] };
                    break;
                case "--chunk-size" when TryInt(value, out int chunk) && chunk is >= 1 and <= 100_000:
                    settings = settings with { ChunkSize = chunk };
                    break;
                case "--linger-ms" when TryInt(value, out int linger) && linger is >= 0 and <= 900_000:
                    settings = settings with { LingerMs = linger };
                    break;
                case "--warmup-rows" when TryInt(value, out int warmUp) && warmUp >= 0:
                    settings = settings with { WarmUpRows = warmUp };
                    break;
                case "--sample-ms" when TryInt(value, out int sampleMs) && sampleMs >= 10:
                    settings = settings with { SampleInterval = TimeSpan.FromMilliseconds(sampleMs) };
                    break;
                case "--timeout-seconds" when TryInt(value, out int seconds) && seconds > 0:
                    settings = settings with { Timeout = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    error = $"unknown option or bad value: {name} {value}";
                    return false;
            }
        }
        return true;
    }

    private static bool TryInt(string text, out int value) => int.TryParse(text, CultureInfo.InvariantCulture, out value);

    private static bool TryPositiveList(string text, out IReadOnlyList<int> values)
    {
        var parsed = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryInt(part.Replace("_", "", StringComparison.Ordinal), out int rows) || rows < 1) { values = []; return false; }
            parsed.Add(rows);
        }
        values = parsed;
        return parsed.Count > 0;
    }
}
