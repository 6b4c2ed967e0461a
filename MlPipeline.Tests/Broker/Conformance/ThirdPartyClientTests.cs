using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Clients other than librdkafka, each in its own process, against a fresh embedded broker: each produces,
/// consumes in a consumer group and commits; Confluent.Kafka then checks what the broker kept. These clients
/// negotiate different API versions than librdkafka (kafka-python settles on Fetch v4, for one), so they
/// reach parsing paths librdkafka never does. Installed by scripts/install-test-deps.sh; a missing client
/// fails the test.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class ThirdPartyClientTests
{
    private const int Partitions = 3;
    private const int MessageCount = 60;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(45);

    public static IEnumerable<TestCaseData> Clients()
    {
        // Debian's python3-kafka is installed for the system interpreter, which need not be the first python3 on PATH.
        yield return new TestCaseData("kafka-python", "/usr/bin/python3", "kafka-python-roundtrip.py").SetArgDisplayNames("kafka-python");
        yield return new TestCaseData("kafkajs", "node", "kafkajs-roundtrip.js").SetArgDisplayNames("kafkajs");
    }

    [TestCaseSource(nameof(Clients))]
    public async Task ClientProducesConsumesInGroupAndCommits_BrokerKeepsEveryMessageAndCommittedOffsetsAtHighWatermarks(
        string client, string interpreter, string script)
    {
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        string topic = UniqueNames.For(client);
        string group = UniqueNames.For(client + "-group");
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers));
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);

        var run = await ChildProcess.RunAsync(
            interpreter, [ClientScriptPaths.Script(script), broker.BootstrapServers, topic, group, MessageCount.ToString()],
            ClientTimeout, ClientScriptPaths.Directory);
        Assert.That(run.ExitCode, Is.Zero, run.Describe());
        var report = ParseReport(run);

        var highWatermarks = HighWatermarks(broker.BootstrapServers, topic);
        var committed = await CommittedOffsets(admin, group, topic);
        var stored = ReadValues(broker.BootstrapServers, topic, highWatermarks.Values.Sum());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Produced, Is.EqualTo(MessageCount), run.Describe());
            Assert.That(report.Distinct, Is.EqualTo(MessageCount), run.Describe());
            Assert.That(stored, Is.EquivalentTo(Enumerable.Range(0, MessageCount).Select(i => $"{client}-{i}")), "messages in the topic");
            Assert.That(committed, Is.EqualTo(highWatermarks), "committed offsets (OffsetFetch via the admin client) vs high watermarks");
            Assert.That(report.Committed, Is.EqualTo(highWatermarks), "offsets the client says it committed");
        }
    }

    private sealed record ClientReport(int Produced, int Consumed, int Distinct, Dictionary<int, long> Committed);

    private static ClientReport ParseReport(ChildProcessResult run)
    {
        string json = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new AssertionException("the client printed no result\n" + run.Describe());
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var committed = root.GetProperty("committed").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetInt64());
        return new ClientReport(root.GetProperty("produced").GetInt32(), root.GetProperty("consumed").GetInt32(), root.GetProperty("distinct").GetInt32(), committed);
    }

    private static Dictionary<int, long> HighWatermarks(string bootstrapServers, string topic)
    {
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        return Enumerable.Range(0, Partitions).ToDictionary(
            p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    private static async Task<Dictionary<int, long>> CommittedOffsets(IAdminClient admin, string group, string topic)
    {
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)]);
        return results.Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
    }

    private static List<string> ReadValues(string bootstrapServers, string topic, long expected)
    {
        var values = new List<string>();
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false }) values.Add(result.Message.Value);
        }
        consumer.Close();
        return values;
    }
}
