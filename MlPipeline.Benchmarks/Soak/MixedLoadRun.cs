using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Reading;
using MlPipeline.Core.Serving;

namespace MlPipeline.Benchmarks.Soak;

/// <summary>
/// Runs <see cref="MixedLoadSettings"/> against a host process started for the run (embedded broker, everything in
/// a temporary directory deleted afterwards): first trains a model on a small data set, then keeps every load going
/// for the duration, uploads on schedule, and finally waits for the answers still owed. Each loop only records into
/// the <see cref="MixedLoadReport"/>; judging it is the caller's job (the soak command prints, the CI test asserts).
/// </summary>
public sealed class MixedLoadRun
{
    private const string Model = "sales";
    private const string RequestsTopic = "ml-pipeline-prediction-requests";
    private const string ResultsTopic = "ml-pipeline-prediction-results";
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly MixedLoadSettings _settings;
    private readonly Action<string> _log;
    private readonly MixedLoadReport _report = new();
    // Kafka request id => answered yet; filled before each send so an early answer is never missed.
    private readonly ConcurrentDictionary<string, bool> _kafkaRequests = new();
    private readonly ConcurrentBag<Task> _inFlightHttp = [];

    public MixedLoadRun(MixedLoadSettings settings, Action<string> log)
    {
        _settings = settings;
        _log = log;
    }

    public async Task<MixedLoadReport> RunAsync(string hostAssembly, CancellationToken cancellationToken)
    {
        string directory = Directory.CreateTempSubdirectory("mlpipeline-soak-").FullName;
        try
        {
            string config = Path.Combine(directory, "kafka_config.yaml");
            await File.WriteAllTextAsync(config, Config(directory), cancellationToken);
            using var host = await HostProcess.StartAsync(hostAssembly, config, TimeSpan.FromSeconds(60), cancellationToken);
            _log($"host pid {host.Id}: http {host.HttpAddress}, broker {host.BootstrapServers}");
            try
            {
                await RunAgainstAsync(host, directory, cancellationToken);
            }
            finally
            {
                _report.HostExited = host.HasExited;
                _report.HostExitCode = host.ExitCode;
                _report.HostErrorTail = host.ErrorTail;
                await host.StopAsync(TimeSpan.FromSeconds(45));
            }
            return _report;
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); }
            catch (IOException) { /* a file still held by the killed host; the temp folder is cleaned by the OS */ }
        }
    }

    private async Task RunAgainstAsync(HostProcess host, string directory, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(host.HttpAddress),
            Timeout = Timeout.InfiniteTimeSpan,
        };

        string seed = Path.Combine(directory, "seed.csv");
        SalesCsvGenerator.WriteFile(seed, _settings.SeedRows);
        var seedTrained = await UploadAndWaitForModelAsync(http, seed, TimeSpan.FromMinutes(3), cancellationToken);
        if (!seedTrained)
            throw new InvalidOperationException($"the seed data set ({_settings.SeedRows} rows) trained no model within 3 minutes");
        _log("seed model trained; starting the load");

        string upload = Path.Combine(directory, "upload.csv");
        SalesCsvGenerator.WriteFile(upload, _settings.UploadRows);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var results = new TopicTailReader(
            new ConsumerConfig { BootstrapServers = host.BootstrapServers, GroupId = "soak-results" },
            ResultsTopic, OnResult, TimeSpan.FromSeconds(10), NullLogger.Instance);
        await results.StartAsync(cancellationToken);
        await using (results)
        {
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = host.BootstrapServers,
                LingerMs = 5,
                MessageTimeoutMs = 60_000,
            }).Build();
            var loops = new List<Task>
            {
                Task.Run(() => KafkaLoadAsync(producer, clock, stop.Token), CancellationToken.None),
                Task.Run(() => HttpLoadAsync(http, clock, stop.Token), CancellationToken.None),
                Task.Run(() => StatusLoopAsync(http, stop.Token), CancellationToken.None),
                Task.Run(() => HealthProbeLoopAsync(host.HttpAddress, stop.Token), CancellationToken.None),
                BrokerProbeLoop(host.BootstrapServers, stop.Token),
                Task.Run(() => SampleLoopAsync(host, clock, stop.Token), CancellationToken.None),
                Task.Run(() => UploadLoopAsync(http, upload, clock, stop.Token), CancellationToken.None),
            };

            try
            {
                await Task.Delay(_settings.Duration, cancellationToken);
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(loops);
            }

            // Answers still owed: Kafka requests within the drain time, HTTP calls within their own wait.
            producer.Flush(DrainTimeout);
            await Task.WhenAll(_inFlightHttp).WaitAsync(DrainTimeout + TimeSpan.FromMilliseconds(_settings.HttpWaitMs), CancellationToken.None)
                .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var drainClock = Stopwatch.StartNew();
            while (_kafkaRequests.Values.Any(answered => !answered) && drainClock.Elapsed < DrainTimeout && !host.HasExited)
                await Task.Delay(250, CancellationToken.None);
            _report.KafkaUnanswered = _kafkaRequests.Values.Count(answered => !answered);
        }
    }

    private void OnResult(ConsumeResult<byte[]?, byte[]?> record)
    {
        var serializer = new KafkaMessageSerializer();
        if (record.Message.Value is null || !serializer.TryDeserialize(record.Message.Value, out var envelope, out _)) return;
        if (envelope.CorrelationId is not { } id || !_kafkaRequests.TryGetValue(id, out bool answered)) return;
        _report.KafkaAnsweredOne(duplicate: answered);
        _kafkaRequests[id] = true;
    }

    private async Task KafkaLoadAsync(IProducer<string, byte[]> producer, Stopwatch clock, CancellationToken cancellationToken)
    {
        var factory = new KafkaMessageFactory(TimeProvider.System);
        var serializer = new KafkaMessageSerializer();
        long sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (await Tick(timer, cancellationToken))
        {
            long due = (long)(clock.Elapsed.TotalSeconds * _settings.KafkaPerSecond);
            for (; sent < due; sent++)
            {
                var message = factory.Create(MessageType.PredictionRequest, "soak", RequestData());
                _kafkaRequests[message.MessageId] = false;
                try
                {
                    producer.Produce(RequestsTopic, new Message<string, byte[]> { Key = message.MessageId, Value = serializer.Serialize(message) }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            _kafkaRequests.TryRemove(report.Message.Key, out _);
                            _report.KafkaSendFailedOne();
                        }
                    });
                    _report.KafkaSentOne();
                }
                catch (ProduceException<string, byte[]>)
                {
                    // The client's own queue is full: the broker is not taking records. Counted, not retried.
                    _kafkaRequests.TryRemove(message.MessageId, out _);
                    _report.KafkaSendFailedOne();
                }
            }
        }
    }

    private async Task HttpLoadAsync(HttpClient http, Stopwatch clock, CancellationToken cancellationToken)
    {
        long sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (await Tick(timer, cancellationToken))
        {
            long due = (long)(clock.Elapsed.TotalSeconds * _settings.HttpPerSecond);
            for (; sent < due; sent++)
            {
                _report.HttpSentOne();
                _inFlightHttp.Add(PredictOverHttpAsync(http));
            }
        }
    }

    private async Task PredictOverHttpAsync(HttpClient http)
    {
        var started = Stopwatch.GetTimestamp();
        // Generous: the call's own wait plus the time a frozen host needs to answer at all.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(_settings.HttpWaitMs) + TimeSpan.FromSeconds(30));
        try
        {
            var body = new JsonObject { ["features"] = RequestData()["features"]!.DeepClone(), ["model"] = Model };
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync($"/api/predict?wait_ms={_settings.HttpWaitMs}", content, deadline.Token);
            var status = (int)response.StatusCode;
            var took = Stopwatch.GetElapsedTime(started);
            if (status == 503 && response.Headers.RetryAfter is null)
                _report.HttpOutcome(null, took, _settings.FastRejection, "503 without Retry-After");
            else
                _report.HttpOutcome(status == 202 ? null : status, took, _settings.FastRejection, status == 202 ? "202 (no result within wait_ms)" : null);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            _report.HttpOutcome(null, Stopwatch.GetElapsedTime(started), _settings.FastRejection, exception.GetType().Name);
        }
    }

    private async Task StatusLoopAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_settings.StatusEvery);
        while (await Tick(timer, cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var call = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var response = await http.GetAsync("/api/status", call.Token);
                await response.Content.ReadAsByteArrayAsync(call.Token);
                _report.StatusCall(response.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _report.StatusCall(false, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>One probe a second, each on its own connection budget, none waiting for the previous one.</summary>
    private async Task HealthProbeLoopAsync(string address, CancellationToken cancellationToken)
    {
        using var probeClient = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan };
        var probes = new List<Task>();
        using var timer = new PeriodicTimer(_settings.ProbeEvery);
        while (await Tick(timer, cancellationToken))
        {
            probes.Add(ProbeHealthAsync(probeClient));
        }
        await Task.WhenAll(probes);
    }

    private async Task ProbeHealthAsync(HttpClient client)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = new CancellationTokenSource(_settings.ProbeDeadline);
        try
        {
            using var response = await client.GetAsync("/health", deadline.Token);
            _report.HealthProbe(response.IsSuccessStatusCode, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            _report.HealthProbe(false, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// A metadata request every probe interval from a client of its own, on a thread of its own (librdkafka's
    /// GetMetadata blocks): a missed probe means the broker did not answer within the deadline.
    /// </summary>
    private Task BrokerProbeLoop(string bootstrapServers, CancellationToken cancellationToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
                while (!cancellationToken.WaitHandle.WaitOne(_settings.ProbeEvery))
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        admin.GetMetadata(_settings.ProbeDeadline);
                        var took = Stopwatch.GetElapsedTime(started);
                        _report.BrokerProbe(took <= _settings.ProbeDeadline, took);
                    }
                    catch (KafkaException)
                    {
                        _report.BrokerProbe(false, Stopwatch.GetElapsedTime(started));
                    }
                }
            }
            finally
            {
                finished.TrySetResult();
            }
        }) { IsBackground = true, Name = "soak-broker-probe" };
        thread.Start();
        return finished.Task;
    }

    private async Task SampleLoopAsync(HostProcess host, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_settings.SampleEvery);
        while (await Tick(timer, cancellationToken))
        {
            if (host.HasExited)
            {
                _report.Notes.Enqueue($"host exited at {clock.Elapsed:mm\\:ss} with code {host.ExitCode}");
                return;
            }
            var sample = new LoadSample(clock.Elapsed, host.Sample(), _report.Errors, _report.HttpShed, _report.KafkaAnswered);
            _report.Samples.Enqueue(sample);
            _log($"{sample.At:hh\\:mm\\:ss} rss {sample.Process.RssMiB:0} MiB, fds {sample.Process.OpenHandles}, threads {sample.Process.Threads}, "
                 + $"errors {sample.Errors}, shed {sample.HttpShed}, kafka answered {sample.KafkaAnswered}/{_report.KafkaSent}, http 200 {_report.HttpOk}/{_report.HttpSent}");
        }
    }

    private async Task UploadLoopAsync(HttpClient http, string csv, Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_settings.FirstUploadAt, cancellationToken);
            while (true)
            {
                _report.UploadsSubmitted++;
                _log($"{clock.Elapsed:hh\\:mm\\:ss} uploading {_settings.UploadRows} rows");
                // The training may finish after the load stops; it still counts (the drain gives it time).
                if (await UploadAndWaitForModelAsync(http, csv, TimeSpan.FromMinutes(5), CancellationToken.None))
                {
                    _report.UploadsTrained++;
                    _log($"{clock.Elapsed:hh\\:mm\\:ss} upload trained its model");
                }
                if (_settings.UploadEvery is not { } every) return;
                await Task.Delay(every, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Uploads a CSV for the model and waits until a model version trained on that data set exists.</summary>
    private async Task<bool> UploadAndWaitForModelAsync(HttpClient http, string csv, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            string datasetId;
            await using (var file = File.OpenRead(csv))
            {
                using var content = new StreamContent(file);
                content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                using var response = await http.PostAsync($"/api/ingest/upload?model={Model}", content, deadline.Token);
                string body = await response.Content.ReadAsStringAsync(deadline.Token);
                if (!response.IsSuccessStatusCode)
                {
                    _report.Notes.Enqueue($"upload answered {(int)response.StatusCode}: {body}");
                    return false;
                }
                datasetId = JsonDocument.Parse(body).RootElement.GetProperty("dataset_id").GetString()!;
            }

            while (true)
            {
                await Task.Delay(1000, deadline.Token);
                using var call = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var response = await http.GetAsync($"/api/models/{Model}", call.Token);
                if (response.StatusCode != HttpStatusCode.OK) continue;
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(call.Token));
                if (json.RootElement.TryGetProperty("versions", out var versions)
                    && versions.EnumerateArray().Any(version => version.TryGetProperty("dataset_id", out var id) && id.GetString() == datasetId))
                    return true;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException)
        {
            _report.Notes.Enqueue($"upload of {Path.GetFileName(csv)} trained no model within {timeout}: {exception.Message}");
            return false;
        }
    }

    private static JsonObject RequestData() => new()
    {
        ["features"] = new JsonObject
        {
            ["Date"] = "2023-05-02", ["Gender"] = "Female", ["Age"] = 34, ["Product Category"] = "Beauty", ["Quantity"] = 3, ["Price per Unit"] = 50,
        },
        ["model"] = Model,
    };

    private static async ValueTask<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private string Config(string directory) => $"""
        broker:
          mode: embedded
          port: 0
          host: 127.0.0.1
          data_dir: "{Path.Combine(directory, "broker")}"
        http:
          host: 127.0.0.1
          port: 0
        data:
          data_dir: "{Path.Combine(directory, "data")}"
          ingest_sample_on_first_start: false
        training:
          data_dir: "{Path.Combine(directory, "training")}"
          models_dir: "{Path.Combine(directory, "models")}"
        {_settings.ExtraYaml}
        """;
}
