using MlPipeline.Broker;

namespace MlPipeline.Tests.Broker.Server;

[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class BrokerCommandLineTests
{
    [Test]
    public void AllOptions_AreParsedIntoBrokerOptions()
    {
        bool parsed = BrokerCommandLine.TryParse(
            ["--port", "0", "--host", "0.0.0.0", "--data-dir", "data", "--partitions", "5", "--flush", "always", "--no-auto-create",
             "--connections-max-idle-ms", "30000", "--max-partitions-per-topic", "16", "--max-partitions", "64",
             "--fetch-max-bytes", "65536", "--max-connections", "10", "--max-connections-per-ip", "4",
             "--socket-request-max-bytes", "2097152", "--offsets-retention-minutes", "60", "--producer-id-expiration-ms", "5000",
             "--no-client-topic-admin", "--allow-unauthenticated-remote"],
            out var options, out string? error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed, Is.True, error);
            Assert.That(options.Port, Is.Zero);
            Assert.That(options.Host, Is.EqualTo("0.0.0.0"));
            Assert.That(options.DataDirectory, Is.EqualTo(Path.GetFullPath("data")));
            Assert.That(options.DefaultPartitions, Is.EqualTo(5));
            Assert.That(options.FlushPolicy, Is.EqualTo(FlushPolicy.Always));
            Assert.That(options.AutoCreateTopics, Is.False);
            Assert.That(options.ConnectionsMaxIdle, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.MaxPartitionsPerTopic, Is.EqualTo(16));
            Assert.That(options.MaxPartitions, Is.EqualTo(64));
            Assert.That(options.FetchMaxBytes, Is.EqualTo(65536));
            Assert.That(options.MaxConnections, Is.EqualTo(10));
            Assert.That(options.MaxConnectionsPerIp, Is.EqualTo(4));
            Assert.That(options.MaxRequestBytes, Is.EqualTo(2_097_152));
            Assert.That(options.OffsetsRetention, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(options.ProducerIdExpiration, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.AllowClientTopicAdmin, Is.False);
            Assert.That(options.AllowUnauthenticatedRemote, Is.True);
        }
    }

    [TestCase(new[] { "--port", "70000" }, "invalid value '70000' for --port")]
    [TestCase(new[] { "--flush", "sometimes" }, "invalid value 'sometimes' for --flush")]
    [TestCase(new[] { "--partitions" }, "--partitions needs a value")]
    [TestCase(new[] { "--connections-max-idle-ms", "0" }, "invalid value '0' for --connections-max-idle-ms")]
    [TestCase(new[] { "--verbose" }, "unknown option '--verbose'")]
    [TestCase(new[] { "--max-partitions", "0" }, "invalid value '0' for --max-partitions")]
    [TestCase(new[] { "--fetch-max-bytes", "-1" }, "invalid value '-1' for --fetch-max-bytes")]
    [TestCase(new[] { "--partitions", "300" }, "DefaultPartitions is 300; it must be 1-256 (MaxPartitionsPerTopic)")]
    [TestCase(new[] { "--host", "0.0.0.0" },
        "--host 0.0.0.0 can be reached from other machines and the broker has no authentication; use 127.0.0.1, or pass --allow-unauthenticated-remote")]
    public void BadArguments_AreRejectedWithAClearMessage(string[] args, string expected)
    {
        bool parsed = BrokerCommandLine.TryParse(args, out _, out string? error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed, Is.False);
            Assert.That(error, Is.EqualTo(expected));
        }
    }

    [Test]
    public void ConnectionsMaxIdleMinusOne_NeverClosesIdleConnections()
    {
        BrokerCommandLine.TryParse(["--connections-max-idle-ms", "-1"], out var options, out _);

        Assert.That(options.ConnectionsMaxIdle, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }
}
