using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Group administration through librdkafka's admin client: what lag tools and Kafka UIs ask a broker — list and
/// describe groups, read a group's committed offsets — and the watermarks that turn those offsets into lag.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class AdminGroupQueriesTests
{
    private const int MessagesPerPartition = 10;
    private EmbeddedBrokerFixture _broker = null!;
    private IAdminClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _broker = await EmbeddedBrokerFixture.StartAsync();
        _admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
    }

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        _admin.Dispose();
        await _broker.DisposeAsync();
    }

    [Test]
    public async Task ActiveGroup_ListedAndDescribedAsStableWithItsMemberAndAssignment()
    {
        string topic = await CreateTopicWithMessagesAsync(partitions: 2);
        string group = UniqueNames.For("described");
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group));
        consumer.Subscribe(topic);
        Assert.That(() => { consumer.Consume(TimeSpan.FromMilliseconds(100)); return consumer.Assignment.Count; },
            Is.EqualTo(2).After(15_000, 10));

        var listed = await _admin.ListConsumerGroupsAsync();
        var described = (await _admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Valid.Select(listing => listing.GroupId), Does.Contain(group));
            Assert.That(described.Error.Code, Is.EqualTo(ErrorCode.NoError));
            Assert.That(described.State, Is.EqualTo(ConsumerGroupState.Stable));
            Assert.That(described.Members, Has.Count.EqualTo(1));
            Assert.That(described.Members.Single().Assignment.TopicPartitions.Select(tp => tp.Partition.Value),
                Is.EquivalentTo(new[] { 0, 1 }));
        }
        consumer.Close();
    }

    [Test]
    public async Task CommittedOffsetsAndHighWatermarks_GiveEachPartitionsLag()
    {
        string topic = await CreateTopicWithMessagesAsync(partitions: 2);
        string group = UniqueNames.For("lag");
        // A standalone commit (no subscription): the group holds offsets only, as after its members left.
        using (var committer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group)))
        {
            committer.Commit([
                new TopicPartitionOffset(topic, 0, 4),
                new TopicPartitionOffset(topic, 1, 7),
            ]);
        }

        var committed = (await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]))
            .Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
        using var watermarkReader = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        var lag = committed.ToDictionary(
            pair => pair.Key,
            pair => watermarkReader.QueryWatermarkOffsets(new TopicPartition(topic, pair.Key), TimeSpan.FromSeconds(10)).High.Value - pair.Value);
        var listed = await _admin.ListConsumerGroupsAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(committed, Is.EquivalentTo(new Dictionary<int, long> { [0] = 4, [1] = 7 }));
            Assert.That(lag, Is.EquivalentTo(new Dictionary<int, long> { [0] = MessagesPerPartition - 4, [1] = MessagesPerPartition - 7 }));
            Assert.That(listed.Valid.Select(listing => listing.GroupId), Does.Contain(group), "a group holding only commits is still listed");
        }
    }

    private async Task<string> CreateTopicWithMessagesAsync(int partitions)
    {
        string topic = UniqueNames.For("groups-admin");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        using var producer = KafkaTestClients.BuildProducer<Null, string>(KafkaTestClients.ProducerConfig(_broker.BootstrapServers));
        for (int partition = 0; partition < partitions; partition++)
            for (int i = 0; i < MessagesPerPartition; i++)
                producer.Produce(new TopicPartition(topic, partition), new Message<Null, string> { Value = $"m{i}" });
        producer.Flush(TimeSpan.FromSeconds(10));
        return topic;
    }
}
