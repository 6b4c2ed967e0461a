using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>subscribe()-based consumer groups with the real librdkafka consumer: sharing, commits, resuming.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ConsumerGroupTests
{
    private const int Partitions = 4;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task TwoSubscribedConsumers_ShareThePartitions_ReceiveEveryMessage_AndARestartedConsumerResumesFromCommits()
    {
        string topic = UniqueNames.For("group-topic");
        string group = UniqueNames.For("group");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers)))
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions }]);

        var received = new ConcurrentDictionary<string, byte>();
        using var first = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group));
        using var second = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group));
        using var stopPolling = new CancellationTokenSource();
        var polling = new[] { first, second }.Select(consumer => Task.Factory.StartNew(() =>
        {
            consumer.Subscribe(topic);
            while (!stopPolling.IsCancellationRequested)
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result) received.TryAdd(result.Message.Value, 0);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        Assert.That(() => first.Assignment.Count > 0 && second.Assignment.Count > 0 && first.Assignment.Count + second.Assignment.Count == Partitions,
            Is.True.After(15_000, 100), "both consumers own partitions");
        await ProduceAsync(topic, "first", 200);
        Assert.That(() => received.Count, Is.EqualTo(200).After(15_000, 100));
        await stopPolling.CancelAsync();
        await Task.WhenAll(polling);
        first.Commit();
        second.Commit();
        first.Close();
        second.Close();

        await ProduceAsync(topic, "second", 50);
        var resumed = ConsumeWithNewMember(topic, group, expected: 50);

        Assert.That(resumed, Is.EquivalentTo(Enumerable.Range(0, 50).Select(i => $"second-{i}")), "only messages after the committed offsets");
    }

    private List<string> ConsumeWithNewMember(string topic, string group, int expected)
    {
        var values = new List<string>();
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group));
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        // Keep polling briefly past the expected count so a wrongly re-delivered old message would show up.
        while (DateTime.UtcNow < deadline && values.Count < expected + 1)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(values.Count >= expected ? 1000 : 200));
            if (result is { IsPartitionEOF: false }) values.Add(result.Message.Value);
            else if (values.Count >= expected) break;
        }
        consumer.Close();
        return values;
    }

    private async Task ProduceAsync(string topic, string prefix, int count)
    {
        using var producer = KafkaTestClients.BuildProducer<Null, string>(KafkaTestClients.ProducerConfig(_broker.BootstrapServers));
        // Explicit partitions: librdkafka's sticky partitioner may leave a partition empty, and a consumer that owns
        // only empty partitions has no offset to commit (Commit throws "No offset stored").
        for (int i = 0; i < count; i++)
            producer.Produce(new TopicPartition(topic, i % Partitions), new Message<Null, string> { Value = $"{prefix}-{i}" });
        int inFlight = await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(10)));
        Assert.That(inFlight, Is.Zero, "messages still in flight after flush");
    }
}
