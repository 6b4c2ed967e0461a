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
             "--connections-max-idle-ms", "30000"],
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
        }
    }

    [TestCase(new[] { "--port", "70000" }, "invalid value '70000' for --port")]
    [TestCase(new[] { "--flush", "sometimes" }, "invalid value 'sometimes' for --flush")]
    [TestCase(new[] { "--partitions" }, "--partitions needs a value")]
    [TestCase(new[] { "--connections-max-idle-ms", "0" }, "invalid value '0' for --connections-max-idle-ms")]
    [TestCase(new[] { "--verbose" }, "unknown option '--verbose'")]
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
