using MlPipeline.Benchmarks.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Host;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Benchmarks.Serving;

/// <summary>
/// Serving benchmark: raw model scoring rows/s; Kafka request-to-result latency at steady rates and the sustained
/// burst rate; HTTP <c>POST /api/predict?wait_ms</c>, <c>/v2/models/{m}/infer</c> and a batch of 100, each open loop
/// (steady rate) and closed loop, side by side with a bare ASP.NET Core endpoint (<see cref="BareEndpoint"/>) that parses
/// the same bodies. Everything runs against the real host (embedded broker, serving stage, API) in this process.
/// </summary>
internal sealed class ServingBenchmarkCommand : IBenchmarkCommand
{
    private const string ModelName = "bench";
    private const string RequestsTopic = "ml-pipeline-prediction-requests";
    private const string ResultsTopic = "ml-pipeline-prediction-results";

    public string Name => "serving";

    public string Summary => "prediction serving: scoring rows/s, Kafka and HTTP latency p50/p99, sustained predictions/s";

    public string Usage =>
        """
        usage: serving [--seconds S] [--rates R1,R2] [--burst N] [--http-rate R] [--http-concurrency C] [--http-requests N]
          --seconds           length of each steady-rate run (default 5)
          --rates             Kafka request rates per second (default 1000,10000)
          --burst             requests sent as fast as possible for the sustained rate (default 50000)
          --http-rate         HTTP requests per second in the open-loop runs (default 1000; batches at a tenth)
          --http-concurrency  callers in the closed-loop HTTP runs (default 32)
          --http-requests     requests in the closed-loop HTTP run (default 10000)
          --linger-ms         the host's producer.linger_ms (default: the config default, 5)
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!Options.TryParse(arguments, out var options, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var directory = Directory.CreateTempSubdirectory("mlpipeline-serving-bench-");
        try
        {
            var store = new ModelStore(new ModelStoreOptions { RootDirectory = Path.Combine(directory.FullName, "models") }, TimeProvider.System);
            Console.WriteLine("training the benchmark model (FastTree, 100 trees, 1000 rows)...");
            var model = await BenchmarkModel.TrainAndPromoteAsync(store, ModelName, cancellationToken);
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");

            ScoringRun(store, model, cancellationToken);

            await using var app = await StartHostAsync(directory.FullName, options.LingerMs, cancellationToken);
            var bootstrap = app.Services.GetRequiredService<KafkaEndpoint>().BootstrapServers;
            using var results = new ResultsTail(bootstrap);
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = bootstrap, LingerMs = 1, EnableIdempotence = true, Acks = Acks.All,
            }).SetLogHandler((_, _) => { }).Build();
            var client = new KafkaRequestClient(producer, results, model);

            // Warm-up: group join, engine pool, JIT.
            await client.SteadyRateAsync(500, TimeSpan.FromSeconds(2), cancellationToken);
            foreach (var rate in options.Rates)
            {
                var recorder = await client.SteadyRateAsync(rate, options.Duration, cancellationToken);
                Report($"Kafka round trip @ {rate}/s for {options.Duration.TotalSeconds:0}s", recorder, rate * (int)options.Duration.TotalSeconds);
            }

            var (burst, elapsed) = await client.BurstAsync(options.Burst, cancellationToken);
            Console.WriteLine($"Kafka sustained: {options.Burst} requests answered in {elapsed.TotalSeconds:0.00}s = "
                + $"{burst.Received / elapsed.TotalSeconds:N0} predictions/s (p50 {burst.Percentiles().P50:0.0} ms under full load)");

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            await using var bare = await BareEndpoint.StartAsync(cancellationToken);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 });
            var bodies = new RequestBodies(model);
            var scenarios = new (string Name, string Path, Func<int, byte[]> Body)[]
            {
                ("POST /api/predict?wait_ms", "/api/predict?wait_ms=5000", bodies.Predict),
                ("POST /v2/models/{m}/infer", $"/v2/models/{ModelName}/infer", bodies.InferV2),
                ("POST /api/predict/batch?wait_ms (100 rows)", "/api/predict/batch?wait_ms=5000", bodies.Batch100),
            };
            foreach (var (name, path, body) in scenarios)
            {
                // The same bodies to both, one after the other in this run: the bare endpoint only parses them.
                var ours = new HttpRequestClient(http, new Uri(new Uri(address), path), body);
                var reference = new HttpRequestClient(http, new Uri(new Uri(bare.Address), "/parse"), body);
                await ours.SteadyRateAsync(200, TimeSpan.FromSeconds(1), cancellationToken);
                await reference.SteadyRateAsync(200, TimeSpan.FromSeconds(1), cancellationToken);
                var rate = name.Contains("batch", StringComparison.Ordinal) ? Math.Max(1, options.HttpRate / 10) : options.HttpRate;
                var expected = rate * (int)options.Duration.TotalSeconds;
                var oursOpen = await ours.SteadyRateAsync(rate, options.Duration, cancellationToken);
                var bareOpen = await reference.SteadyRateAsync(rate, options.Duration, cancellationToken);
                Report($"{name} open loop @ {rate}/s, ours", oursOpen, expected);
                Report($"{name} open loop @ {rate}/s, bare", bareOpen, expected);
                var (oursClosed, oursElapsed) = await ours.ClosedLoopAsync(options.HttpConcurrency, options.HttpRequests, cancellationToken);
                var (bareClosed, bareElapsed) = await reference.ClosedLoopAsync(options.HttpConcurrency, options.HttpRequests, cancellationToken);
                var oursRate = oursClosed.Received / oursElapsed.TotalSeconds;
                var bareRate = bareClosed.Received / bareElapsed.TotalSeconds;
                Console.WriteLine($"{name} closed loop, {options.HttpConcurrency} callers: ours {oursRate:N0} req/s (p99 {oursClosed.Percentiles().P99:0.0} ms), "
                    + $"bare {bareRate:N0} req/s (p99 {bareClosed.Percentiles().P99:0.0} ms) = {oursRate / bareRate:P0} of bare");
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void Report(string title, LatencyRecorder recorder, int expected)
    {
        var (p50, p99, max) = recorder.Percentiles();
        Console.WriteLine($"{title}: {recorder.Received}/{expected} answered, p50 {p50:0.0} ms, p99 {p99:0.0} ms, max {max:0.0} ms");
    }

    private static void ScoringRun(ModelStore store, BenchmarkModel model, CancellationToken cancellationToken)
    {
        using var scorer = new ModelScorer(store.LoadModelAsync(ModelName, 1, cancellationToken).GetAwaiter().GetResult(),
            new ModelScorerOptions { MaxPooledEngines = Environment.ProcessorCount * 2 });
        const int Rows = 100_000;
        for (var i = 0; i < 1_000; i++)
        {
            scorer.Score(model.Requests[i % model.Requests.Count]);
        }

        var single = Stopwatch.StartNew();
        for (var i = 0; i < Rows; i++)
        {
            scorer.Score(model.Requests[i % model.Requests.Count]);
        }

        single.Stop();
        var parallel = Stopwatch.StartNew();
        Parallel.For(0, Rows, new ParallelOptions { CancellationToken = cancellationToken }, i => scorer.Score(model.Requests[i % model.Requests.Count]));
        parallel.Stop();
        Console.WriteLine($"scoring (validation + feature engineering + ML.NET): {Rows / single.Elapsed.TotalSeconds:N0} rows/s on one thread, "
            + $"{Rows / parallel.Elapsed.TotalSeconds:N0} rows/s on {Environment.ProcessorCount}");
    }

    private static async Task<WebApplication> StartHostAsync(string directory, int? lingerMs, CancellationToken cancellationToken)
    {
        var config = Path.Combine(directory, "kafka_config.yaml");
        await File.WriteAllTextAsync(config, $"""
            broker:
              mode: embedded
              port: 0
              data_dir: "{Path.Combine(directory, "broker")}"
            http:
              host: 127.0.0.1
              port: 0
            training:
              models_dir: "{Path.Combine(directory, "models")}"
            serving:
              default_model: {ModelName}
            rate_limits:
              enabled: false
            {(lingerMs is { } linger ? $"producer:\n  linger_ms: {linger}\n" : "")}
            """, cancellationToken);
        var app = await PipelineApplication.BuildAsync(
            new PipelineHostSettings(config, new Dictionary<string, string?>(), []),
            // Errors only: librdkafka's configuration notes and the shutdown's broker-down warnings would drown the figures.
            logging => logging.SetMinimumLevel(LogLevel.Error),
            cancellationToken);
        await app.StartAsync(cancellationToken);
        while (!app.Services.GetRequiredService<PredictionResultsListener>().IsReady)
        {
            await Task.Delay(50, cancellationToken);
        }

        return app;
    }

    private sealed record Options
    {
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

        public IReadOnlyList<int> Rates { get; init; } = [1_000, 10_000];

        public int Burst { get; init; } = 50_000;

        public int HttpRate { get; init; } = 1_000;

        public int HttpConcurrency { get; init; } = 32;

        public int HttpRequests { get; init; } = 10_000;

        /// <summary>Null keeps the host's configured default.</summary>
        public int? LingerMs { get; init; }

        public static bool TryParse(IReadOnlyList<string> arguments, out Options options, out string? error)
        {
            var parsed = new Options();
            var parser = new BenchmarkOptionParser()
                .Int("--seconds", 1, int.MaxValue, seconds => parsed = parsed with { Duration = TimeSpan.FromSeconds(seconds) })
                .IntList("--rates", 1, int.MaxValue, rates => parsed = parsed with { Rates = rates })
                .Int("--burst", 1, int.MaxValue, burst => parsed = parsed with { Burst = burst })
                .Int("--http-rate", 1, int.MaxValue, rate => parsed = parsed with { HttpRate = rate })
                .Int("--http-concurrency", 1, int.MaxValue, callers => parsed = parsed with { HttpConcurrency = callers })
                .Int("--http-requests", 1, int.MaxValue, requests => parsed = parsed with { HttpRequests = requests })
                .Int("--linger-ms", 0, 900_000, linger => parsed = parsed with { LingerMs = linger });
            bool ok = parser.TryParse(arguments, out error);
            options = parsed;
            return ok;
        }
    }

    /// <summary>Reads every result from the end of the results topic, no group, and notes each arrival.</summary>
    private sealed class ResultsTail : IDisposable
    {
        private readonly CancellationTokenSource stopping = new();
        private readonly Thread thread;
        private readonly IConsumer<byte[], byte[]> consumer;

        public ResultsTail(string bootstrap)
        {
            consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = "serving-benchmark", EnableAutoCommit = false, FetchWaitMaxMs = 5,
            }).SetLogHandler((_, _) => { }).Build();
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var partitions = admin.GetMetadata(ResultsTopic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
                .Select(p => new TopicPartition(ResultsTopic, p.PartitionId))
                .ToList();
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High)));
            thread = new Thread(Run) { IsBackground = true };
            thread.Start();
        }

        public LatencyRecorder? Recorder { get; set; }

        public void Dispose()
        {
            stopping.Cancel();
            thread.Join();
            consumer.Close();
            consumer.Dispose();
            stopping.Dispose();
        }

        private void Run()
        {
            try
            {
                while (true)
                {
                    var record = consumer.Consume(stopping.Token);
                    if (record.Message.Headers.TryGetLastBytes(KafkaHeaderNames.CorrelationId, out var id))
                    {
                        Recorder?.Arrived(Encoding.UTF8.GetString(id));
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Done.
            }
        }
    }

    private sealed class KafkaRequestClient(IProducer<string, byte[]> producer, ResultsTail results, BenchmarkModel model)
    {
        private readonly KafkaMessageFactory factory = new(TimeProvider.System);
        private readonly KafkaMessageSerializer serializer = new();
        private int next;

        public async Task<LatencyRecorder> SteadyRateAsync(int rate, TimeSpan duration, CancellationToken cancellationToken)
        {
            var recorder = new LatencyRecorder();
            results.Recorder = recorder;
            var total = (int)(rate * duration.TotalSeconds);
            var clock = Stopwatch.StartNew();
            var sent = 0;
            while (sent < total)
            {
                // Paced in 1 ms steps: send what the rate says should have gone by now.
                var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate));
                for (; sent < due; sent++)
                {
                    Send(recorder);
                }

                await Task.Delay(1, cancellationToken);
            }

            await WaitForAnswersAsync(recorder, total, cancellationToken);
            return recorder;
        }

        public async Task<(LatencyRecorder Recorder, TimeSpan Elapsed)> BurstAsync(int count, CancellationToken cancellationToken)
        {
            var recorder = new LatencyRecorder();
            results.Recorder = recorder;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                while (true)
                {
                    try
                    {
                        Send(recorder);
                        break;
                    }
                    catch (ProduceException<string, byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }

            await WaitForAnswersAsync(recorder, count, cancellationToken);
            return (recorder, Stopwatch.GetElapsedTime(start, recorder.LastArrival));
        }

        private void Send(LatencyRecorder recorder)
        {
            var features = new JsonArray(model.Requests[next++ % model.Requests.Count].Select(v => v switch
            {
                double d => JsonValue.Create(d),
                _ => (JsonNode?)JsonValue.Create((string?)v),
            }).ToArray());
            var message = factory.Create(MessageType.PredictionRequest, "benchmark", new JsonObject { ["features"] = features });
            recorder.Sent(message.MessageId);
            producer.Produce(RequestsTopic, new Message<string, byte[]>
            {
                Key = message.MessageId,
                Value = serializer.Serialize(message),
                Headers = new Headers { { KafkaHeaderNames.MessageType, "prediction_request"u8.ToArray() } },
            });
        }

        private static async Task WaitForAnswersAsync(LatencyRecorder recorder, int expected, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (recorder.Received < expected && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(10, cancellationToken);
            }
        }
    }

    /// <summary>The request bodies every HTTP scenario sends, pre-serialized so both endpoints get identical bytes.</summary>
    private sealed class RequestBodies(BenchmarkModel model)
    {
        public byte[] Predict(int i) => Encode(new JsonObject { ["features"] = Features(i) });

        public byte[] InferV2(int i)
        {
            var row = Features(i);
            return Encode(new JsonObject
            {
                ["inputs"] = new JsonArray(new JsonObject
                {
                    ["name"] = "input-0", ["datatype"] = "BYTES", ["shape"] = new JsonArray(1, row.Count), ["data"] = row,
                }),
            });
        }

        public byte[] Batch100(int i) =>
            Encode(new JsonObject { ["requests"] = new JsonArray(Enumerable.Range(i, 100).Select(r => (JsonNode?)new JsonObject { ["features"] = Features(r) }).ToArray()) });

        private JsonArray Features(int i) => new(model.Requests[i % model.Requests.Count].Select(v => v switch
        {
            double d => JsonValue.Create(d),
            _ => (JsonNode?)JsonValue.Create((string?)v),
        }).ToArray());

        private static byte[] Encode(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private sealed class HttpRequestClient(HttpClient http, Uri target, Func<int, byte[]> body)
    {
        private readonly byte[][] bodies = Enumerable.Range(0, 64).Select(body).ToArray();
        private int next;

        public async Task<LatencyRecorder> SteadyRateAsync(int rate, TimeSpan duration, CancellationToken cancellationToken)
        {
            var recorder = new LatencyRecorder();
            var total = (int)(rate * duration.TotalSeconds);
            var calls = new List<Task>(total);
            var clock = Stopwatch.StartNew();
            while (calls.Count < total)
            {
                var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate));
                while (calls.Count < due)
                {
                    calls.Add(CallAsync(recorder, cancellationToken));
                }

                await Task.Delay(1, cancellationToken);
            }

            await Task.WhenAll(calls);
            return recorder;
        }

        public async Task<(LatencyRecorder Recorder, TimeSpan Elapsed)> ClosedLoopAsync(int callers, int requests, CancellationToken cancellationToken)
        {
            var recorder = new LatencyRecorder();
            var remaining = requests;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    await CallAsync(recorder, cancellationToken);
                }
            }));
            return (recorder, clock.Elapsed);
        }

        private async Task CallAsync(LatencyRecorder recorder, CancellationToken cancellationToken)
        {
            using var content = new ByteArrayContent(bodies[Interlocked.Increment(ref next) & 63]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var start = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(target, content, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                recorder.Record(Stopwatch.GetElapsedTime(start));
            }
        }
    }
}
