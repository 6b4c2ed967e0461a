using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Confluent.Kafka;
using MlPipeline.Core.Training;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Operations;

/// <summary>The host executable as a separate process: graceful stop on SIGTERM, and a verb run for real.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class HostProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const int ShutdownTimeoutSeconds = 5;

    [Test]
    public async Task Serve_Sigterm_ExitsZeroWithinTheGracePeriodAndARestartFindsTopicsAndRecords()
    {
        using var directory = new TemporaryDirectory("host-sigterm");
        string config = Path.Combine(directory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config,
            $"broker:\n  port: 0\n  data_dir: \"{Path.Combine(directory.Path, "broker")}\"\n  startup_timeout_seconds: 5\n" +
            $"http:\n  host: 127.0.0.1\n  port: 0\nservice:\n  shutdown_timeout_seconds: {ShutdownTimeoutSeconds}\n");
        string topic = UniqueNames.For("sigterm");

        using (var first = ChildProcess.StartHost(["serve", "--config", config], workingDirectory: directory.Path))
        {
            using var client = await ConnectAsync(first);
            var bootstrap = await WaitUntilReadyAsync(client);
            using (var producer = KafkaTestClients.BuildProducer<Null, string>(KafkaTestClients.ProducerConfig(bootstrap)))
            {
                for (int i = 0; i < 5; i++)
                    await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = $"m{i}" });
            }

            var stopping = DateTimeOffset.UtcNow;
            await first.SignalAsync(PosixSignal.SIGTERM);
            int exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(exitCode, Is.EqualTo(0), first.StandardError);
                Assert.That(DateTimeOffset.UtcNow - stopping, Is.LessThan(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 5)),
                    "stops within the configured grace period (plus process start-up of the runtime)");
                Assert.That(first.StandardOutput, Does.Contain("Embedded Kafka broker on").And.Contain("stopped"), "the broker was closed, not killed");
            }
        }

        using var second = ChildProcess.StartHost(["serve", "--config", config], workingDirectory: directory.Path);
        using var secondClient = await ConnectAsync(second);
        var restartedBootstrap = await WaitUntilReadyAsync(secondClient);
        var values = ReadPartitionZero(restartedBootstrap, topic, expected: 5);

        Assert.That(values, Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"m{i}")), "records acknowledged before SIGTERM survive the restart");
    }

    [Test]
    public async Task HealthVerb_RealProcess_ExitsDegradedThenHealthyAfterCreateAll()
    {
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        using var directory = new TemporaryDirectory("host-verb");
        string config = Path.Combine(directory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config, "broker:\n  mode: external\n  startup_timeout_seconds: 5\n");
        var environment = new Dictionary<string, string?> { ["KAFKA_BOOTSTRAP_SERVERS"] = broker.BootstrapServers };

        int before = await RunToEndAsync(["health", "--config", config], environment);
        int create = await RunToEndAsync(["topics", "create", "--all", "--config", config], environment);
        int after = await RunToEndAsync(["health", "--config", config], environment);

        Assert.That(new[] { before, create, after }, Is.EqualTo(new[] { ExitCodes.Degraded, ExitCodes.Success, ExitCodes.Success }));
    }

    [Test]
    public async Task Serve_SigtermMidStream_CommitsWhatItHandledAndARestartHandlesTheRestOnce()
    {
        const int rows = 20_000;
        const int graceSeconds = 10;
        using var directory = new TemporaryDirectory("host-sigterm-stream");
        var data = Directory.CreateDirectory(Path.Combine(directory.Path, "data")).FullName;
        WriteLargeCsv(Path.Combine(data, "large.csv"), rows);
        string config = Path.Combine(directory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config,
            $"broker:\n  port: 0\n  data_dir: \"{Path.Combine(directory.Path, "broker")}\"\n  partitions: 1\n  startup_timeout_seconds: 5\n" +
            $"http:\n  host: 127.0.0.1\n  port: 0\nservice:\n  shutdown_timeout_seconds: {graceSeconds}\n" +
            "producer:\n  linger_ms: 1\nerror_handling:\n  retry_delay_seconds: 0\n" +
            $"data:\n  data_dir: \"{data}\"\n  chunk_size: 25\n  ingest_sample_on_first_start: false\n" +
            $"training:\n  data_dir: \"{Path.Combine(directory.Path, "training")}\"\n  models_dir: \"{Path.Combine(directory.Path, "models")}\"\n" +
            "  trainer: fasttree\n  number_of_trees: 5\n  number_of_leaves: 4\n  minimum_example_count_per_leaf: 5\n  threads: 1\n");
        var trainingStore = new TrainingDataStoreOptions { Directory = Path.Combine(directory.Path, "training") };

        string datasetId;
        using (var first = ChildProcess.StartHost(["serve", "--config", config], workingDirectory: directory.Path))
        {
            using var client = await ConnectAsync(first);
            await WaitUntilReadyAsync(client);
            using (var response = await client.PostAsJsonAsync("/api/ingest", new { file_path = "large.csv" }))
                datasetId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dataset_id").GetString()!;
            Assert.That(async () => (await Progress(client, datasetId)).GetProperty("rows_processed").GetInt64(), Is.GreaterThan(0).After(30_000, 10),
                "processing is under way");

            var stopping = DateTimeOffset.UtcNow;
            await first.SignalAsync(PosixSignal.SIGTERM);
            int exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(graceSeconds + 10));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(exitCode, Is.EqualTo(0), first.StandardError);
                Assert.That(DateTimeOffset.UtcNow - stopping, Is.LessThan(TimeSpan.FromSeconds(graceSeconds + 5)), "stops within the grace period");
            }
        }

        long storedByFirst = await CountStoredRowsAsync(trainingStore, datasetId);
        Assert.That(storedByFirst, Is.GreaterThan(0).And.LessThan(rows), "stopped in the middle of the stream, with what it handled stored");

        string bootstrap;
        using (var second = ChildProcess.StartHost(["serve", "--config", config], workingDirectory: directory.Path))
        {
            using var client = await ConnectAsync(second);
            bootstrap = await WaitUntilReadyAsync(client);
            Assert.That(async () => (await Progress(client, datasetId)).GetProperty("state").GetString(), Is.EqualTo("completed").After(60_000, 200));
            var published = RowNumbersOn(bootstrap, "ml-pipeline-raw-data", datasetId);
            var processed = RowNumbersOn(bootstrap, "ml-pipeline-processed-data", datasetId);
            var rowNumbers = new List<long>();
            await using (var store = await TrainingDataStore.OpenAsync(trainingStore, CancellationToken.None))
            {
                await foreach (var row in store.ReadRowsAsync(datasetId, CancellationToken.None))
                    rowNumbers.Add(row.RowNumber);
            }

            using (Assert.EnterMultipleScope())
            {
                Assert.That(rowNumbers, Has.Count.EqualTo(rows), "every row stored once after the restart");
                Assert.That(rowNumbers.Distinct().Count(), Is.EqualTo(rows));
                Assert.That(processed.Distinct().Count(), Is.EqualTo(rows), "processing handled every row");
                // Ingestion resumes from its last on-disk checkpoint, so a few chunks it had sent are sent again (the store
                // deduplicates them); processing must not add repeats of its own: every raw record handled exactly once.
                Assert.That(processed, Has.Count.EqualTo(published.Count),
                    "processing handled each raw record once: the first host committed what it handled before it stopped");
            }

            await second.SignalAsync(PosixSignal.SIGTERM);
            Assert.That(await second.WaitForExitAsync(TimeSpan.FromSeconds(graceSeconds + 10)), Is.EqualTo(0), second.StandardError);
        }
    }

    private static void WriteLargeCsv(string path, int rows)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount");
        for (int i = 0; i < rows; i++)
            writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"2023-{i % 12 + 1:00}-{i % 28 + 1:00},{(i % 2 == 0 ? "Male" : "Female")},{18 + i % 50},Beauty,{1 + i % 4},{25 * (1 + i % 3)},{(1 + i % 4) * 25 * (1 + i % 3)}"));
    }

    private static async Task<JsonElement> Progress(HttpClient client, string datasetId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/ingestions/{datasetId}");

    private static async Task<long> CountStoredRowsAsync(TrainingDataStoreOptions options, string datasetId)
    {
        await using var store = await TrainingDataStore.OpenAsync(options, CancellationToken.None);
        return store.GetProgress(datasetId).AcceptedRows;
    }

    /// <summary>Row numbers of every row (or rejection) of the dataset on <paramref name="topic"/>, one entry per time it was sent.</summary>
    private static List<long> RowNumbersOn(string bootstrapServers, string topic, string datasetId)
    {
        var numbers = new List<long>();
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(5)).High;
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        long position = 0;
        while (position < end && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } record)
                continue;
            position = record.Offset.Value + 1;
            var data = JsonDocument.Parse(record.Message.Value).RootElement.GetProperty("data");
            if (data.GetProperty("dataset_id").GetString() != datasetId)
                continue;
            foreach (var listName in new[] { "rows", "rejected" })
            {
                if (data.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
                    numbers.AddRange(list.EnumerateArray().Select(row => row.GetProperty("row_number").GetInt64()));
            }
        }

        consumer.Close();
        return numbers;
    }

    private static async Task<int> RunToEndAsync(string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        using var process = ChildProcess.StartHost(args, environment);
        int exitCode = await process.WaitForExitAsync(StartTimeout);
        await TestContext.Progress.WriteLineAsync($"[{string.Join(' ', args)}] exit {exitCode}\n{process.StandardOutput}{process.StandardError}");
        return exitCode;
    }

    private static async Task<HttpClient> ConnectAsync(ChildProcess host)
    {
        // Kestrel's own start-up line names the port it bound (http.port 0).
        var line = await host.WaitForLineAsync(text => text.Contains("Now listening on: ", StringComparison.Ordinal), StartTimeout);
        var address = line[(line.IndexOf("http://", StringComparison.Ordinal))..].Trim();
        return new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Waits until the service created its topics; returns the embedded broker's address.</summary>
    private static async Task<string> WaitUntilReadyAsync(HttpClient client)
    {
        Assert.That(async () => (await client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("topics").GetProperty("ready").GetBoolean(),
            Is.True.After(30_000, 200));
        var status = await client.GetFromJsonAsync<JsonElement>("/api/status");
        return status.GetProperty("broker").GetProperty("bootstrap_servers").GetString()!;
    }

    private static List<string> ReadPartitionZero(string bootstrapServers, string topic, int expected)
    {
        var values = new List<string>();
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (values.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) values.Add(result.Message.Value);
        consumer.Close();
        return values;
    }
}
