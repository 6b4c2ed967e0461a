using MlPipeline.Benchmarks.Common;

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
        var parsed = new IngestionBenchmarkSettings();
        var parser = new BenchmarkOptionParser()
            .IntList("--rows", 1, int.MaxValue, rows => parsed = parsed with { Rows = [.. rows.Order()] })
            .Int("--chunk-size", 1, 100_000, chunk => parsed = parsed with { ChunkSize = chunk })
            .Int("--linger-ms", 0, 900_000, linger => parsed = parsed with { LingerMs = linger })
            .Int("--warmup-rows", 0, int.MaxValue, warmUp => parsed = parsed with { WarmUpRows = warmUp })
            .Int("--sample-ms", 10, int.MaxValue, sampleMs => parsed = parsed with { SampleInterval = TimeSpan.FromMilliseconds(sampleMs) })
            .Int("--timeout-seconds", 1, int.MaxValue, seconds => parsed = parsed with { Timeout = TimeSpan.FromSeconds(seconds) });
        bool ok = parser.TryParse(arguments, out error);
        settings = parsed;
        return ok;
    }
}
