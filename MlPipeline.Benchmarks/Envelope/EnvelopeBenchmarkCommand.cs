using System.Globalization;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>
/// `envelope`: CPU and allocation cost of the JSON envelope per message, without Kafka. Encodes and decodes a
/// RAW_DATA chunk of the sales CSV and the PROCESSED_DATA chunk made from it, single-threaded, once per codec path.
/// This is the per-message JSON work docs/benchmarks.md ("ingest", "Where the time goes", item 1) found to be about
/// a third of the pipeline's CPU.
/// </summary>
public sealed class EnvelopeBenchmarkCommand : IBenchmarkCommand
{
    public string Name => "envelope";
    public string Summary => "JSON envelope encode/decode of RAW_DATA and PROCESSED_DATA chunks: msg/s and bytes allocated per message";
    public string Usage => """
        usage: dotnet run -c Release --project MlPipeline.Benchmarks -- envelope [options]
          --rows R             CSV rows per chunk (default 100, the shipped data.chunk_size)
          --seconds S          measured time per figure (default 3)
          --warmup-seconds W   unmeasured time per path before its figures (default 1; JIT tier-up)
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        int rows = 100;
        double seconds = 3, warmupSeconds = 1;
        var parser = new BenchmarkOptionParser()
            .Int("--rows", 1, int.MaxValue, count => rows = count)
            .Double("--seconds", 0.001, double.MaxValue, value => seconds = value)
            .Double("--warmup-seconds", 0, double.MaxValue, value => warmupSeconds = value);
        if (!parser.TryParse(arguments, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var output = Console.Out;
        MachineFacts.Collect(null).Print(output);
        output.WriteLine($"payloads:  one chunk of {rows} generated sales CSV rows (RAW_DATA) and its processed rows (PROCESSED_DATA); " +
                         $"{seconds} s measured per figure after {warmupSeconds} s warm-up, one thread");
        output.WriteLine();
        output.WriteLine("| message | path | envelope bytes | encode msg/s | encode msg/CPU-s | encode B alloc/msg | decode msg/s | decode msg/CPU-s | decode B alloc/msg |");
        output.WriteLine("|---|---|--:|--:|--:|--:|--:|--:|--:|");

        var payloads = await SalesChunkPayloads.CreateAsync(rows, cancellationToken);
        var paths = new EnvelopeCodecPaths(new KafkaMessageFactory(TimeProvider.System), new KafkaMessageSerializer());
        var measure = new Measurement(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmupSeconds), output, cancellationToken);
        foreach (var path in paths.Raw())
        {
            measure.Print("RAW_DATA", path, payloads.Raw, decoded => decoded.Rows?.Count == payloads.Raw.Rows?.Count);
        }

        foreach (var path in paths.Processed())
        {
            measure.Print("PROCESSED_DATA", path, payloads.Processed, decoded => decoded.Rows?.Count == payloads.Processed.Rows?.Count);
        }

        return 0;
    }

    private sealed class Measurement(TimeSpan duration, TimeSpan warmup, TextWriter output, CancellationToken cancellationToken)
    {
        public void Print<TPayload>(string message, EnvelopeCodecPath<TPayload> path, TPayload payload, Func<TPayload, bool> decodedIntact)
        {
            var bytes = path.Encode(payload);
            // A path that loses rows must not post a figure.
            if (!decodedIntact(path.Decode(bytes)))
            {
                throw new InvalidOperationException($"{message} via '{path.Name}' does not survive a round trip.");
            }

            // The sink keeps the JIT from dropping work whose result is unused.
            long sink = 0;
            void Encode() => sink += path.Encode(payload).Length;
            void Decode() => sink += path.Decode(bytes) is null ? 0 : 1;
            ThroughputMeasurement.Run(Encode, warmup, cancellationToken);
            ThroughputMeasurement.Run(Decode, warmup, cancellationToken);
            var encode = ThroughputMeasurement.Run(Encode, duration, cancellationToken);
            var decode = ThroughputMeasurement.Run(Decode, duration, cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {message} | {path.Name} | {bytes.Length:N0} | {encode.PerSecond:N0} | {encode.PerCpuSecond:N0} | {encode.AllocatedBytesPerOperation:N0} " +
                $"| {decode.PerSecond:N0} | {decode.PerCpuSecond:N0} | {decode.AllocatedBytesPerOperation:N0} |"));
            output.Flush();
            GC.KeepAlive(sink);
        }
    }
}
