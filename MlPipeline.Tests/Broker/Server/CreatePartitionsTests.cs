using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Broker.Conformance;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Growing a topic with the real librdkafka admin client (CreatePartitions, API 37).</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class CreatePartitionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private EmbeddedBrokerFixture _broker = null!;
    private IAdminClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _broker = await EmbeddedBrokerFixture.StartAsync(options => options.AutoCreateTopics = false);
        _admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
    }

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        _admin.Dispose();
        await _broker.DisposeAsync();
    }

    [Test]
    public async Task GrowThreeToFive_NewPartitionStartsAtOffsetZero_AndServesWhatIsProducedToIt()
    {
        string topic = await CreateTopicAsync(partitions: 3);

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);

        var written = TopicContents.ProduceAcknowledged(_broker.BootstrapServers, topic, "grown", first: 4, count: 1, spreadOverPartitions: 5);
        var read = ReadPartition(topic, partition: 4, expected: 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(written.Single().Partition, Is.EqualTo(4));
            Assert.That(written.Single().Offset, Is.Zero, "a new partition starts empty");
            Assert.That(read, Is.EqualTo(written));
            Assert.That(await DescribePartitionsAsync(_admin, topic), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        }
    }

    [Test]
    public async Task GrowThreeToFive_ExistingPartitionsKeepTheirDataAndOffsets()
    {
        string topic = await CreateTopicAsync(partitions: 3);
        var before = TopicContents.ProduceAcknowledged(_broker.BootstrapServers, topic, "old", first: 0, count: 9, spreadOverPartitions: 3);

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);

        var after = TopicContents.ProduceAcknowledged(_broker.BootstrapServers, topic, "new", first: 0, count: 3, spreadOverPartitions: 3);
        var everything = TopicContents.Read(_broker.BootstrapServers, topic, partitions: 5, expected: 12, Timeout);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.Select(m => m.Offset), Is.All.EqualTo(3L), "appends continue after the three records each old partition held");
            Assert.That(everything, Is.EqualTo(before.Concat(after).OrderBy(m => m.Partition).ThenBy(m => m.Offset)));
        }
    }

    [TestCase(3, TestName = "CreatePartitions_CountEqualToCurrent_FailsWithInvalidPartitions")]
    [TestCase(2, TestName = "CreatePartitions_CountBelowCurrent_FailsWithInvalidPartitions")]
    public async Task CreatePartitions_CountNotAboveCurrent_FailsWithInvalidPartitions(int increaseTo)
    {
        string topic = await CreateTopicAsync(partitions: 3);

        var failure = Assert.ThrowsAsync<CreatePartitionsException>(() =>
            _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = increaseTo }]));

        var error = failure!.Results.Single().Error;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Code, Is.EqualTo(ErrorCode.InvalidPartitions));
            Assert.That(error.Reason, Does.Contain("3 partitions"), "the message names the current count");
            Assert.That(await DescribePartitionsAsync(_admin, topic), Has.Length.EqualTo(3));
        }
    }

    [Test]
    public void CreatePartitions_UnknownTopic_FailsWithUnknownTopic()
    {
        var failure = Assert.ThrowsAsync<CreatePartitionsException>(() =>
            _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = UniqueNames.For("missing"), IncreaseTo = 2 }]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.UnknownTopicOrPart));
    }

    [Test]
    public async Task CreatePartitions_ValidateOnly_SucceedsWithoutAddingPartitions()
    {
        string topic = await CreateTopicAsync(partitions: 3);

        await _admin.CreatePartitionsAsync(
            [new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }], new CreatePartitionsOptions { ValidateOnly = true });

        Assert.That(await DescribePartitionsAsync(_admin, topic), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task CreatePartitions_ValidateOnlyWithTooSmallCount_StillFails()
    {
        string topic = await CreateTopicAsync(partitions: 3);

        var failure = Assert.ThrowsAsync<CreatePartitionsException>(() => _admin.CreatePartitionsAsync(
            [new PartitionsSpecification { Topic = topic, IncreaseTo = 1 }], new CreatePartitionsOptions { ValidateOnly = true }));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.InvalidPartitions));
    }

    [Test]
    public async Task CreatePartitions_AssignmentNamingThisBroker_IsAccepted()
    {
        string topic = await CreateTopicAsync(partitions: 1);
        int node = _broker.Server.Identity.NodeId;

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 3, ReplicaAssignments = [[node], [node]] }]);

        Assert.That(await DescribePartitionsAsync(_admin, topic), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task CreatePartitions_AssignmentNamingAnotherBroker_FailsWithInvalidReplicaAssignment()
    {
        string topic = await CreateTopicAsync(partitions: 1);
        int otherNode = _broker.Server.Identity.NodeId + 1;

        var failure = Assert.ThrowsAsync<CreatePartitionsException>(() => _admin.CreatePartitionsAsync(
            [new PartitionsSpecification { Topic = topic, IncreaseTo = 2, ReplicaAssignments = [[otherNode]] }]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.InvalidReplicaAssignment));
            Assert.That(await DescribePartitionsAsync(_admin, topic), Has.Length.EqualTo(1));
        }
    }

    [Test]
    public async Task GroupSubscribedToTheTopic_ReceivesRecordsProducedToAnAddedPartition()
    {
        string topic = await CreateTopicAsync(partitions: 3);
        var config = KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, UniqueNames.For("grow-group"));
        config.TopicMetadataRefreshIntervalMs = 500; // how soon the member notices the new partition count
        config.MetadataMaxAgeMs = 1_000;
        var received = new ConcurrentQueue<(int Partition, string Value)>();
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(config);
        using var stopPolling = new CancellationTokenSource();
        var polling = Task.Factory.StartNew(() =>
        {
            consumer.Subscribe(topic);
            while (!stopPolling.IsCancellationRequested)
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
                    received.Enqueue((result.Partition.Value, result.Message.Value));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            Assert.That(() => consumer.Assignment.Count, Is.EqualTo(3).After(15_000, 100), "the member owns the original partitions");

            await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);
            TopicContents.ProduceAcknowledged(_broker.BootstrapServers, topic, "late", first: 4, count: 1, spreadOverPartitions: 5);

            Assert.That(() => received.Select(r => r.Partition), Does.Contain(4).After(20_000, 100), "after its metadata refresh and rebalance");
        }
        finally
        {
            await stopPolling.CancelAsync();
            await polling;
            consumer.Close();
        }
    }

    [Test]
    public async Task FileStoreTopic_GrownThenBrokerRestarted_KeepsAllFivePartitionsAndTheirData()
    {
        using var dataDirectory = new TemporaryDirectory("grow-restart");
        string topic = UniqueNames.For("grow-durable");
        List<StoredMessage> written;
        await using (var broker = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path))
        {
            using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers));
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 }]);
            await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);
            written = TopicContents.ProduceAcknowledged(broker.BootstrapServers, topic, "durable", first: 0, count: 10, spreadOverPartitions: 5);
        }

        await using var restarted = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path);
        var readBack = TopicContents.Read(restarted.BootstrapServers, topic, partitions: 5, expected: 10, Timeout);
        using (Assert.EnterMultipleScope())
        {
            using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(restarted.BootstrapServers));
            Assert.That(await DescribePartitionsAsync(admin, topic), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
            Assert.That(readBack, Is.EqualTo(written));
        }
    }

    private async Task<string> CreateTopicAsync(int partitions)
    {
        string topic = UniqueNames.For("grow");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    /// <summary>The partition ids a client sees for the topic (a fresh Metadata request, not the admin's cache).</summary>
    private static async Task<int[]> DescribePartitionsAsync(IAdminClient admin, string topic)
    {
        var description = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]));
        return [.. description.TopicDescriptions.Single().Partitions.Select(p => p.Partition)];
    }

    private List<StoredMessage> ReadPartition(string topic, int partition, int expected)
    {
        var messages = new List<StoredMessage>();
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var deadline = DateTime.UtcNow + Timeout;
        while (messages.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
                messages.Add(new StoredMessage(result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value));
        consumer.Close();
        return messages;
    }
}
