using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Topic administration and offset queries through the real librdkafka admin client and consumer.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class AdminAndOffsetsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
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
    public async Task CreateTopics_ThenDescribeTopics_ReportsPartitionsLedByTheBroker()
    {
        string topic = UniqueNames.For("admin");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1 }]);

        var description = await _admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]));

        var described = description.TopicDescriptions.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(described.Error.Code, Is.EqualTo(ErrorCode.NoError));
            Assert.That(described.Partitions.Select(p => p.Partition), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(described.Partitions.Select(p => p.Leader.Id), Is.All.EqualTo(_broker.Server.Identity.NodeId));
        }
    }

    [Test]
    public async Task CreateTopics_ExistingName_FailsWithTopicAlreadyExists()
    {
        string topic = UniqueNames.For("admin");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]);

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() =>
            _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.TopicAlreadyExists));
    }

    [TestCase("bad/name", 1, (short)1, ErrorCode.TopicException)]
    [TestCase("rf-two", 1, (short)2, ErrorCode.InvalidReplicationFactor)]
    [TestCase("zero-partitions", 0, (short)1, ErrorCode.InvalidPartitions)]
    public void CreateTopics_InvalidRequest_FailsWithTheMatchingError(string name, int partitions, short replicationFactor, ErrorCode expected)
    {
        string topic = name.Contains('/') ? name : UniqueNames.For(name);

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() =>
            _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor }]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(expected));
    }

    [Test]
    public void CreateTopics_UnknownConfig_FailsWithInvalidConfig()
    {
        var spec = new TopicSpecification
        {
            Name = UniqueNames.For("admin"),
            NumPartitions = 1,
            Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
        };

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() => _admin.CreateTopicsAsync([spec]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.InvalidConfig));
    }

    [Test]
    public async Task CreateTopics_ValidateOnly_DoesNotCreateTheTopic()
    {
        string topic = UniqueNames.For("admin");

        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }], new CreateTopicsOptions { ValidateOnly = true });

        var metadata = _admin.GetMetadata(Timeout);
        Assert.That(metadata.Topics.Select(t => t.Topic), Does.Not.Contain(topic));
    }

    [Test]
    public async Task DescribeConfigs_TopicWithOverride_ReportsOverrideAndDefaults()
    {
        string topic = UniqueNames.For("admin");
        await _admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 1,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "60000" },
        }]);

        var results = await _admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);

        var entries = results.Single().Entries;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries["retention.ms"].Value, Is.EqualTo("60000"));
            Assert.That(entries["retention.ms"].Source, Is.EqualTo(ConfigSource.DynamicTopicConfig));
            Assert.That(entries["max.message.bytes"].Value, Is.EqualTo(_broker.Options.MaxMessageBytes.ToString()));
            Assert.That(entries["max.message.bytes"].IsDefault, Is.True);
        }
    }

    [Test]
    public async Task DescribeConfigs_Broker_ReportsBrokerSettings()
    {
        var resource = new ConfigResource { Type = ResourceType.Broker, Name = _broker.Server.Identity.NodeId.ToString() };

        var results = await _admin.DescribeConfigsAsync([resource]);

        Assert.That(results.Single().Entries["num.partitions"].Value, Is.EqualTo(_broker.Options.DefaultPartitions.ToString()));
    }

    [Test]
    public async Task DeleteTopics_RemovesTheTopicFromMetadata()
    {
        string topic = UniqueNames.For("admin");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]);

        await _admin.DeleteTopicsAsync([topic]);

        Assert.That(() => _admin.GetMetadata(Timeout).Topics.Select(t => t.Topic), Does.Not.Contain(topic).After(5000, 100));
    }

    [Test]
    public void DeleteTopics_UnknownTopic_FailsWithUnknownTopic()
    {
        var failure = Assert.ThrowsAsync<DeleteTopicsException>(() => _admin.DeleteTopicsAsync([UniqueNames.For("missing")]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.UnknownTopicOrPart));
    }

    [Test]
    public async Task QueryWatermarkOffsets_AfterProducing_ReportsLogStartAndEnd()
    {
        string topic = await CreateTopicWithMessagesAsync(count: 7, firstTimestamp: 1_700_000_000_000);
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));

        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Timeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(watermarks.Low.Value, Is.Zero);
            Assert.That(watermarks.High.Value, Is.EqualTo(7));
        }
    }

    [Test]
    public async Task OffsetsForTimes_FindsTheFirstRecordAtOrAfterTheTimestamp()
    {
        const long first = 1_700_000_000_000;
        string topic = await CreateTopicWithMessagesAsync(count: 5, firstTimestamp: first); // timestamps first, first+1000, ...
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        var partition = new TopicPartition(topic, 0);

        var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(first + 2500, TimestampType.CreateTime))], Timeout);
        var afterEnd = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(first + 60_000, TimestampType.CreateTime))], Timeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(found.Single().Offset.Value, Is.EqualTo(3));
            Assert.That(afterEnd.Single().Offset, Is.EqualTo(Offset.End));
        }
    }

    private async Task<string> CreateTopicWithMessagesAsync(int count, long firstTimestamp)
    {
        string topic = UniqueNames.For("offsets");
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]);
        using var producer = KafkaTestClients.BuildProducer<Null, string>(KafkaTestClients.ProducerConfig(_broker.BootstrapServers));
        for (int i = 0; i < count; i++)
            await producer.ProduceAsync(topic, new Message<Null, string>
            {
                Value = $"m{i}",
                Timestamp = new Timestamp(firstTimestamp + i * 1000L, TimestampType.CreateTime),
            });
        return topic;
    }
}
