using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Administration;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Operations;

/// <summary>The operations scripts, run with bash as users run them.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    [Test]
    public async Task SetupKafka_NoDockerAgainstARunningBroker_SucceedsTwiceAndLeavesEveryConfiguredTopic()
    {
        using var dataDirectory = new TemporaryDirectory("setup-broker");
        using var broker = await BrokerProcess.StartAsync("--port", "0", "--data-dir", dataDirectory.Path);
        using var configDirectory = new TemporaryDirectory("setup-config");
        string config = Path.Combine(configDirectory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config, "broker:\n  mode: external\n  partitions: 2\n  retention_ms: 86400000\n  startup_timeout_seconds: 5\n");
        var environment = new Dictionary<string, string?>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = broker.BootstrapServers,
            ["MLPIPELINE_CLI"] = $"dotnet {RepositoryPaths.HostAssembly()}",
        };

        var first = await RunScriptAsync("setup_kafka.sh", ["--no-docker", "--config", config, "--wait", "30"], environment);
        var second = await RunScriptAsync("setup_kafka.sh", ["--no-docker", "--config", config, "--wait", "30"], environment);

        var expected = PipelineTopics.Specs(PipelineConfigLoader.Load(config, environment)).Select(spec => spec.Name).ToArray();
        using var administrator = new TopicAdministrator(KafkaTestClients.AdminConfig(broker.BootstrapServers), NullLogger<TopicAdministrator>.Instance);
        var topics = await administrator.DescribeTopicsAsync(CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.ExitCode, Is.Zero, first.Output);
            Assert.That(first.Output, Does.Contain("created  ml-pipeline-raw-data (2 partitions, replication 1, retention.ms 86400000)")
                .And.Contain("round trip ok").And.Contain("Kafka is ready"));
            Assert.That(second.ExitCode, Is.Zero, second.Output);
            Assert.That(second.Output, Does.Contain("exists   ml-pipeline-raw-data (left as it is)"), "an existing topic is not an error");
            Assert.That(topics.Select(topic => topic.Name), Is.SupersetOf(expected));
            Assert.That(topics.Where(topic => expected.Contains(topic.Name)).Select(topic => topic.Partitions.Count), Is.All.EqualTo(2));
        }
    }

    [Test]
    public async Task SetupKafka_NoBrokerAnswering_FailsAfterTheWaitAndSaysSo()
    {
        using var configDirectory = new TemporaryDirectory("setup-none");
        string config = Path.Combine(configDirectory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config, "broker:\n  mode: external\n  startup_timeout_seconds: 1\n");
        var environment = new Dictionary<string, string?>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1",
            ["MLPIPELINE_CLI"] = $"dotnet {RepositoryPaths.HostAssembly()}",
        };

        var outcome = await RunScriptAsync("setup_kafka.sh", ["--no-docker", "--config", config, "--wait", "1"], environment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(1), outcome.Output);
            Assert.That(outcome.Output, Does.Contain("no broker answered within 1s"));
        }
    }

    [Test]
    public async Task InstallSystemd_DryRun_PrintsANotifyUnitWhoseStopTimeoutCoversTheShutdownTimeout()
    {
        using var configDirectory = new TemporaryDirectory("systemd");
        string config = Path.Combine(configDirectory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config, "http:\n  port: 8000\nservice:\n  shutdown_timeout_seconds: 42\n");

        var outcome = await RunScriptAsync("install-systemd.sh",
            ["--dry-run", "--config", config, "--prefix", "/srv/mlp", "--user", "mlp"], new Dictionary<string, string?>());

        var lines = outcome.Output.Split('\n').Select(line => line.Trim()).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.Zero, outcome.Output);
            Assert.That(lines, Does.Contain("Type=notify"));
            Assert.That(lines, Does.Contain("User=mlp"));
            Assert.That(lines, Does.Contain("WorkingDirectory=/srv/mlp"));
            Assert.That(lines, Does.Contain("ExecStart=/srv/mlp/MlPipeline.Host serve --config /srv/mlp/config/kafka_config.yaml"));
            Assert.That(lines, Does.Contain("Restart=on-failure"));
            Assert.That(lines, Does.Contain("KillSignal=SIGTERM"));
            Assert.That(lines, Does.Contain("TimeoutStopSec=57"), "shutdown_timeout_seconds 42 plus the 15 s margin");
            Assert.That(lines, Does.Contain("WantedBy=multi-user.target"));
        }
    }

    [Test]
    public async Task InstallSystemd_DefaultConfiguration_UsesTheSeedShutdownTimeout()
    {
        var outcome = await RunScriptAsync("install-systemd.sh", ["--dry-run"], new Dictionary<string, string?>());
        var seed = PipelineConfigLoader.Load(RepositoryPaths.File("config", "kafka_config.yaml"), new Dictionary<string, string?>());

        Assert.That(outcome.Output, Does.Contain($"TimeoutStopSec={seed.Service.ShutdownTimeoutSeconds + 15}\n"));
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string script, string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        using var process = ChildProcess.Start("bash", [RepositoryPaths.File("scripts", script), .. args], environment, RepositoryPaths.Root);
        int exitCode = await process.WaitForExitAsync(ScriptTimeout);
        return (exitCode, process.StandardOutput + process.StandardError);
    }
}
