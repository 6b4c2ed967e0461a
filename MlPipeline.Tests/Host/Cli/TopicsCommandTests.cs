using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary><c>topics list | create | add-partitions | describe | roundtrip</c> in process, through a real embedded broker.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class TopicsCommandTests
{
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    [Test]
    public async Task Create_NamedTopicWithPartitions_CreatesItAndDescribeShowsThePartitions()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-create");

        var created = await cli.RunAsync("topics", "create", topic, "--partitions", "2", "--retention-ms", "60000");
        var described = await cli.RunAsync("topics", "describe", topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.ExitCode, Is.EqualTo(ExitCodes.Success), created.ToString());
            Assert.That(created.Output, Does.Contain($"created  {topic} (2 partitions, replication 1, retention.ms 60000)"));
            Assert.That(described.ExitCode, Is.EqualTo(ExitCodes.Success), described.ToString());
            Assert.That(described.Output, Does.Contain($"topic {topic}: 2 partitions"));
        }
    }

    [Test]
    public async Task Create_TopicThatExists_SucceedsAndLeavesItAsItIs()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-twice");
        await cli.RunAsync("topics", "create", topic, "--partitions", "1");

        var second = await cli.RunAsync("topics", "create", topic, "--partitions", "4");
        var described = await cli.RunAsync("topics", "describe", topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.Success), second.ToString());
            Assert.That(second.Output, Does.Contain($"exists   {topic} (left as it is)"));
            Assert.That(described.Output, Does.Contain($"topic {topic}: 1 partitions"));
        }
    }

    [Test]
    public async Task AddPartitions_ToExistingTopic_GrowsItAndDescribeShowsTheNewCount()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-grow");
        await cli.RunAsync("topics", "create", topic, "--partitions", "1");

        var grown = await cli.RunAsync("topics", "add-partitions", topic, "--count", "3");
        var described = await cli.RunAsync("topics", "describe", topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(grown.ExitCode, Is.EqualTo(ExitCodes.Success), grown.ToString());
            Assert.That(grown.Output, Does.Contain($"grown    {topic} to 3 partitions"));
            Assert.That(described.Output, Does.Contain($"topic {topic}: 3 partitions"));
        }
    }

    [TestCase(2, "InvalidPartitions", TestName = "AddPartitions_CountNotAboveCurrent_ExitsWithFailureAndTheBrokersReason")]
    [TestCase(3, "InvalidPartitions", TestName = "AddPartitions_CountEqualToCurrent_ExitsWithFailureAndTheBrokersReason")]
    public async Task AddPartitions_Refused_ExitsWithFailureAndTheBrokersReason(int count, string reason)
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-shrink");
        await cli.RunAsync("topics", "create", topic, "--partitions", "3");

        var outcome = await cli.RunAsync("topics", "add-partitions", topic, "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain($"error: Could not add partitions to {topic}: {reason}").And.Contain("3 partitions"));
        }
    }

    [Test]
    public async Task AddPartitions_UnknownTopic_ExitsWithFailureNamingIt()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-nope");

        var outcome = await cli.RunAsync("topics", "add-partitions", topic, "--count", "2");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain($"Could not add partitions to {topic}: UnknownTopicOrPart"));
        }
    }

    [Test]
    public async Task List_AfterCreate_ShowsTheTopicAndTheMissingConfiguredTopics()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-list");
        await cli.RunAsync("topics", "create", topic, "--partitions", "2");

        var listed = await cli.RunAsync("topics", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.ExitCode, Is.EqualTo(ExitCodes.Success), listed.ToString());
            Assert.That(listed.Output, Does.Match($@"{topic}\s+2\s+-"));
            Assert.That(listed.Output, Does.Contain("missing configured topics: ").And.Contain("ml-pipeline-raw-data"));
        }
    }

    [Test]
    public async Task Describe_UnknownTopic_ExitsWithFailureNamingIt()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-nope");

        var outcome = await cli.RunAsync("topics", "describe", topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain($"topic '{topic}' does not exist on {_broker.BootstrapServers}"));
        }
    }

    [Test]
    public async Task RoundTrip_ReachableBroker_WritesAndReadsBackOneRecord()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);
        string topic = EmbeddedBrokerFixture.UniqueName("cli-probe");

        var first = await cli.RunAsync("topics", "roundtrip", "--topic", topic);
        var second = await cli.RunAsync("topics", "roundtrip", "--topic", topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.ExitCode, Is.EqualTo(ExitCodes.Success), first.ToString());
            Assert.That(first.Output, Does.Contain($"round trip ok: wrote {topic}[0]@0"));
            Assert.That(second.Output, Does.Contain($"round trip ok: wrote {topic}[0]@1"), "a second probe reads its own record, not the first");
        }
    }

    [Test]
    public async Task RoundTrip_PipelineTopic_RefusedWithUsageExit()
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);

        var outcome = await cli.RunAsync("topics", "roundtrip", "--topic", "ml-pipeline-raw-data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("is a pipeline topic"));
        }
    }

    [TestCase(new[] { "topics", "create" }, "Name at least one topic, or pass --all")]
    [TestCase(new[] { "topics", "create", "a", "--all" }, "either topic names or --all")]
    [TestCase(new[] { "topics", "create", "a", "--partitions", "0" }, "--partitions '0' must be at least 1")]
    [TestCase(new[] { "topics", "create", "a", "--partitions", "many" }, "many")]
    [TestCase(new[] { "topics", "add-partitions", "a" }, "--count")]
    [TestCase(new[] { "topics", "add-partitions", "a", "--count", "0" }, "--count '0' must be a positive whole number")]
    [TestCase(new[] { "topics", "describe" }, "Required argument missing")]
    [TestCase(new[] { "topics" }, "Required command was not provided")]
    [TestCase(new[] { "topics", "rename", "a" }, "rename")]
    public async Task BadArguments_ExitWithUsageCodeAndExplain(string[] args, string explanation)
    {
        using var cli = CommandLineRunner.External(_broker.BootstrapServers);

        var outcome = await cli.RunAsync(args);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain(explanation));
            Assert.That(outcome.Error, Does.Contain("--help"), "points at the usage");
        }
    }
}
