using System.Diagnostics;
using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>The stand-alone broker executable: its startup line, argument errors, and surviving SIGKILL.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class BrokerProcessTests
{
    [Test]
    public async Task KilledWithSigkill_RestartedOnTheSameDataDirectory_KeepsAcknowledgedMessages()
    {
        using var dataDirectory = new TemporaryDirectory("broker-process");
        string topic = UniqueNames.For("durable");
        string[] args = ["--port", "0", "--data-dir", dataDirectory.Path, "--partitions", "1", "--flush", "always"];

        using (var broker = await BrokerProcess.StartAsync(args))
        {
            using var producer = KafkaTestClients.BuildProducer<Null, string>(KafkaTestClients.ProducerConfig(broker.BootstrapServers));
            for (int i = 0; i < 10; i++) await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" });
            await broker.KillAsync();
        }

        using var restarted = await BrokerProcess.StartAsync(args);
        var values = ReadAll(restarted.BootstrapServers, topic, expected: 10);

        Assert.That(values, Is.EqualTo(Enumerable.Range(0, 10).Select(i => $"m{i}")));
    }

    [Test]
    public async Task UnknownArgument_ExitsWithCode2AndExplains()
    {
        using var process = Process.Start(BrokerProcess.StartInfo("--colour", "blue"))!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(process.ExitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("unknown option '--colour'"));
        }
    }

    [Test]
    public async Task HostOtherMachinesCanReach_WithoutAllowingItExplicitly_ExitsWithCode2AndOneLineReason()
    {
        using var process = Process.Start(BrokerProcess.StartInfo("--host", "0.0.0.0", "--port", "0"))!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(process.ExitCode, Is.EqualTo(2));
            Assert.That(stderr.Split('\n')[0], Does.Contain("--host 0.0.0.0 can be reached from other machines").And.Contain("--allow-unauthenticated-remote"));
        }
    }

    private static List<string> ReadAll(string bootstrapServers, string topic, int expected)
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
