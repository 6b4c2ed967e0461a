using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Confluent.Kafka;
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
