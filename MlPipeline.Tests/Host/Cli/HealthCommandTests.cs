using System.Net;
using System.Text.Json;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary><c>health</c> and <c>topics create --all</c>: each test has its own broker, because the configured topic names are fixed.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class HealthCommandTests
{
    [Test]
    public async Task Health_ConfiguredTopicsMissing_ExitsDegradedNamingThem()
    {
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        using var cli = CommandLineRunner.External(broker.BootstrapServers);

        var outcome = await cli.RunAsync("health");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Degraded), outcome.ToString());
            Assert.That(outcome.Output, Does.StartWith("degraded: ").And.Contain("missing topics: ml-pipeline-raw-data"));
        }
    }

    [Test]
    public async Task CreateAll_ThenHealth_CreatesEveryConfiguredTopicAndReportsHealthy()
    {
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        using var cli = CommandLineRunner.External(broker.BootstrapServers);

        var created = await cli.RunAsync("topics", "create", "--all");
        var again = await cli.RunAsync("topics", "create", "--all");
        var health = await cli.RunAsync("health", "--json");

        var report = JsonDocument.Parse(health.Output).RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.ExitCode, Is.EqualTo(ExitCodes.Success), created.ToString());
            Assert.That(created.Output.Split('\n').Count(line => line.StartsWith("created  ", StringComparison.Ordinal)), Is.EqualTo(10));
            Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.Success), again.ToString());
            Assert.That(again.Output.Split('\n').Count(line => line.StartsWith("exists   ", StringComparison.Ordinal)), Is.EqualTo(10));
            Assert.That(health.ExitCode, Is.EqualTo(ExitCodes.Success), health.ToString());
            Assert.That(report.GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(report.GetProperty("missing_topics").GetArrayLength(), Is.Zero);
        }
    }

    [Test]
    public async Task Health_NothingListening_ExitsFailureWithinTheTimeoutAndSaysWhereItLooked()
    {
        int port = TestPorts.ClosedPort();
        using var cli = CommandLineRunner.External($"127.0.0.1:{port}", timeoutSeconds: 1);

        var outcome = await cli.RunAsync("health");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Output, Does.StartWith("unhealthy: "));
            Assert.That(outcome.Error, Does.Contain($"no Kafka broker answered at 127.0.0.1:{port}").And.Contain("broker.mode is external"));
        }
    }

    [Test]
    public async Task TopicsList_EmbeddedModeWithoutARunningService_ExplainsThatVerbsDoNotStartABroker()
    {
        int port = TestPorts.ClosedPort();
        using var cli = new CommandLineRunner($"broker:\n  mode: embedded\n  port: {port}\n  data_dir: \"{{dir}}/broker\"\n  startup_timeout_seconds: 1\n");

        var outcome = await cli.RunAsync("topics", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain($"no Kafka broker answered at 127.0.0.1:{port}")
                .And.Contain("command-line verbs do not start a broker"));
            Assert.That(Directory.Exists(Path.Combine(cli.DirectoryPath, "broker")), Is.False, "no broker may have been started on the data directory");
        }
    }

    [Test]
    public async Task Health_EmbeddedModeWithARunningService_ReachesTheServicesBroker()
    {
        await using var host = await PipelineHostRunner.StartAsync();
        var endpoint = host.Service<MlPipeline.Host.Hosting.KafkaEndpoint>();
        int port = int.Parse(endpoint.BootstrapServers.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        using var cli = new CommandLineRunner($"broker:\n  mode: embedded\n  port: {port}\n  data_dir: \"{{dir}}/unused\"\n  startup_timeout_seconds: 5\n");

        Assert.That(async () => (await cli.RunAsync("health")).ExitCode, Is.EqualTo(ExitCodes.Success).After(20_000, 250),
            "healthy once the service has created its topics");
    }

    [Test]
    public async Task Health_EmbeddedModeWithPortZero_RefusesWithUsageExit()
    {
        using var cli = new CommandLineRunner("broker:\n  mode: embedded\n  port: 0\n");

        var outcome = await cli.RunAsync("health");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("broker.port is 0"));
        }
    }

    [Test]
    public async Task Health_UnusableConfiguration_ExitsWithUsageAndNamesTheKey()
    {
        using var cli = new CommandLineRunner("broker:\n  partitions: zero\n");

        var outcome = await cli.RunAsync("health");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("broker.partitions = 'zero'"));
        }
    }
}
