using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using MlPipeline.Tests.Infrastructure;
using BrokerError = MlPipeline.Broker.Protocol.ErrorCode;
using ClientError = Confluent.Kafka.ErrorCode;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// What a hostile (or merely careless) client can ask of the broker is bounded, and each refusal is the error code a
/// real Kafka broker answers with, on a connection that keeps serving: partition counts, topic configs, fetch sizes,
/// connections and commits to partitions that do not exist. Raw frames for what librdkafka would never send, the real
/// client for what it does.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class BrokerLimitsTests
{
    private const int FetchCap = 64 * 1024;
    private EmbeddedBrokerFixture _broker = null!;
    private IAdminClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _broker = await EmbeddedBrokerFixture.StartAsync(options => options.FetchMaxBytes = FetchCap);
        _admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
    }

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        _admin.Dispose();
        await _broker.DisposeAsync();
    }

    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    [Test]
    public async Task CreateTopicsWithTenThousandPartitions_IsInvalidPartitions_AndTheConnectionServesOn()
    {
        string topic = UniqueNames.For("huge");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.CreateTopics, 1, body => WriteCreateTopics(body, topic, partitions: 10_000));
        var result = ReadCreateTopicsResult((await connection.ReceiveAsync()).Body);
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(BrokerError.InvalidPartitions));
            Assert.That(result.Message, Does.Contain("256"));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False);
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still answers");
        }
    }

    [Test]
    public void CreateTopicsWithTenThousandPartitions_ThroughTheAdminClient_FailsWithInvalidPartitions()
    {
        string topic = UniqueNames.For("huge-admin");

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() =>
            _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 10_000, ReplicationFactor = 1 }]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ClientError.InvalidPartitions));
    }

    [TestCase("1048575")]
    [TestCase("14")]
    [TestCase("1073741825")]
    public void SegmentBytesOutsideOneMiBToOneGiB_IsInvalidConfig(string segmentBytes)
    {
        string topic = UniqueNames.For("tiny-segments");

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() => _admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["segment.bytes"] = segmentBytes },
        }]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ClientError.InvalidConfig));
            Assert.That(failure.Results.Single().Error.Reason, Does.Contain("segment.bytes"));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False);
        }
    }

    [Test]
    public async Task SegmentBytesOfOneMiB_IsAccepted()
    {
        string topic = UniqueNames.For("mib-segments");

        await _admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["segment.bytes"] = "1048576" },
        }]);

        Assert.That(Topics.TryGetTopic(topic, out var created) ? created.Config.SegmentBytes : 0, Is.EqualTo(1_048_576));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(100 * 1024 * 1024)]
    public async Task FetchWhateverItsMaxBytes_GetsAtMostTheBrokerCap(int maxBytes)
    {
        string topic = UniqueNames.For("capped-fetch");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(BrokerError.None));
        await ProduceAsync(topic, messages: 200, valueBytes: 2_000); // ~400 KB, many times the cap
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Fetch, 4, body =>
        {
            body.WriteInt32(-1); // replica_id
            body.WriteInt32(1_000); // max_wait_ms
            body.WriteInt32(1); // min_bytes
            body.WriteInt32(maxBytes);
            body.WriteInt8(0); // isolation_level
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0); // partition
            body.WriteInt64(0); // fetch_offset
            body.WriteInt32(int.MaxValue); // partition_max_bytes
        });
        var reader = new KafkaReader((await connection.ReceiveAsync()).Body);
        reader.ReadInt32(); // throttle_time_ms
        reader.ReadArrayCount();
        reader.ReadString();
        reader.ReadArrayCount();
        reader.ReadInt32(); // partition
        var error = (BrokerError)reader.ReadInt16();
        long highWatermark = reader.ReadInt64();
        reader.ReadInt64(); // last_stable_offset
        reader.ReadArrayCount(); // aborted transactions (empty)
        int recordBytes = reader.ReadInt32();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error, Is.EqualTo(BrokerError.None));
            Assert.That(highWatermark, Is.EqualTo(200));
            Assert.That(recordBytes, Is.GreaterThan(0).And.LessThanOrEqualTo(FetchCap));
        }
    }

    [Test]
    public async Task ConsumerAskingForMoreThanTheCap_StillReadsEverything()
    {
        string topic = UniqueNames.For("capped-consume");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(BrokerError.None));
        await ProduceAsync(topic, messages: 200, valueBytes: 2_000);
        var config = KafkaTestClients.ConsumerConfig(_broker.BootstrapServers);
        config.FetchMaxBytes = 50 * 1024 * 1024;
        using var consumer = KafkaTestClients.BuildConsumer<string, byte[]>(config);
        consumer.Assign(new TopicPartitionOffset(topic, 0, 0));

        int read = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (read < 200 && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not null) read++;

        Assert.That(read, Is.EqualTo(200));
    }

    [Test]
    public void OffsetCommitToAnUnknownTopic_IsRefusedWithUnknownTopicOrPartition_WhileTheExistingPartitionIsCommitted()
    {
        string topic = UniqueNames.For("committed");
        string missing = UniqueNames.For("never-created");
        string group = UniqueNames.For("commit-limits");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(BrokerError.None));
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group));

        // librdkafka reports the first partition error of the commit as the exception.
        var failure = Assert.Catch<KafkaException>(() =>
            consumer.Commit([new TopicPartitionOffset(topic, 0, 3), new TopicPartitionOffset(missing, 0, 5), new TopicPartitionOffset(topic, 7, 1)]));

        var offsets = _broker.Server.Services.GetRequiredService<IGroupOffsetStore>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Error.Code, Is.EqualTo(ClientError.UnknownTopicOrPart));
            Assert.That(offsets.GetAll(group).Select(o => (o.Topic, o.Partition, o.Offset.Offset)), Is.EqualTo(new[] { (topic, 0, 3L) }),
                "the partition that exists is committed, the others are not");
        }
    }

    [Test]
    public async Task OffsetCommitOnlyForUnknownTopics_CreatesNoGroup()
    {
        string group = UniqueNames.For("phantom-group");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.OffsetCommit, 2, body =>
        {
            body.WriteString(group);
            body.WriteInt32(-1);
            body.WriteString("");
            body.WriteInt64(-1); // retention_time_ms
            body.WriteArrayCount(1);
            body.WriteString(UniqueNames.For("never-created"));
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteInt64(1);
            body.WriteNullableString(null);
        });
        await connection.ReceiveAsync();

        var listed = await _admin.ListConsumerGroupsAsync();
        Assert.That(listed.Valid.Select(g => g.GroupId), Does.Not.Contain(group));
    }

    private async Task ProduceAsync(string topic, int messages, int valueBytes)
    {
        var config = KafkaTestClients.ProducerConfig(_broker.BootstrapServers);
        config.BatchSize = 16 * 1024; // batches well under the cap: only the first batch of a response may exceed it
        using var producer = KafkaTestClients.BuildProducer<string, byte[]>(config);
        var value = new byte[valueBytes];
        for (int i = 0; i < messages; i++)
            producer.Produce(new TopicPartition(topic, 0), new Message<string, byte[]> { Key = $"k{i}", Value = value });
        await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(20)));
    }

    internal static void WriteCreateTopics(KafkaWriter body, string topic, int partitions, params (string Name, string Value)[] configs)
    {
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteInt32(partitions);
        body.WriteInt16(1); // replication factor
        body.WriteArrayCount(0); // assignments
        body.WriteArrayCount(configs.Length);
        foreach (var (name, value) in configs)
        {
            body.WriteString(name);
            body.WriteNullableString(value);
        }
        body.WriteInt32(5_000); // timeout_ms
        body.WriteBoolean(false); // validate_only (v1+)
    }

    /// <summary>The single topic result of a CreateTopics v1 response.</summary>
    internal static (BrokerError Error, string? Message) ReadCreateTopicsResult(byte[] body)
    {
        var reader = new KafkaReader(body);
        Assert.That(reader.ReadArrayCount(), Is.EqualTo(1));
        reader.ReadString();
        return ((BrokerError)reader.ReadInt16(), reader.ReadNullableString());
    }
}

/// <summary>
/// The partition limits on a broker with a data directory: past them CreateTopics and CreatePartitions are refused
/// (POLICY_VIOLATION), the open segment files stay within what the partitions and the sealed-segment cache allow, and
/// the broker restarts on the same data.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class PartitionLimitRestartTests
{
    private const int TotalPartitions = 48;
    private const int SealedCache = 4;

    [Test]
    public async Task TopicsUpToTheTotalLimit_ThenPolicyViolation_OpenFilesBounded_AndTheBrokerRestartsOnTheSameData()
    {
        using var dataDirectory = new TemporaryDirectory("partition-limits");
        var options = new BrokerOptions
        {
            Host = "127.0.0.1", Port = 0, DataDirectory = dataDirectory.Path, MaxPartitions = TotalPartitions,
            MaxPartitionsPerTopic = 16, MaxOpenSealedSegments = SealedCache,
        };
        var topics = Enumerable.Range(0, 3).Select(_ => UniqueNames.For("limited")).ToArray();
        string overLimit = UniqueNames.For("over-limit");
        (BrokerError Error, string? Message) refused, grown;
        int openFiles;
        await using (var broker = await BrokerServer.StartAsync(options))
        {
            await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
            foreach (string topic in topics)
            {
                await connection.SendAsync((short)ApiKey.CreateTopics, 1, body => BrokerLimitsTests.WriteCreateTopics(body, topic, partitions: 16));
                Assert.That(BrokerLimitsTests.ReadCreateTopicsResult((await connection.ReceiveAsync()).Body).Error, Is.EqualTo(BrokerError.None));
            }
            await connection.SendAsync((short)ApiKey.CreateTopics, 1, body => BrokerLimitsTests.WriteCreateTopics(body, overLimit, partitions: 1));
            refused = BrokerLimitsTests.ReadCreateTopicsResult((await connection.ReceiveAsync()).Body);
            grown = broker.Services.GetRequiredService<TopicRegistry>().AddPartitions(topics[0], 17, null, 0, validateOnly: false);
            openFiles = ((FileLogStore)broker.Services.GetRequiredService<ILogStore>()).OpenSegmentFiles;
        }

        await using var restarted = await BrokerServer.StartAsync(options);
        var registry = restarted.Services.GetRequiredService<TopicRegistry>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.Error, Is.EqualTo(BrokerError.PolicyViolation));
            Assert.That(refused.Message, Does.Contain($"{TotalPartitions}"));
            Assert.That(grown.Error, Is.EqualTo(BrokerError.InvalidPartitions), "17 is over the per-topic limit");
            Assert.That(openFiles, Is.LessThanOrEqualTo(TotalPartitions + SealedCache));
            Assert.That(topics.Select(t => registry.TryGetTopic(t, out var topic) ? topic.Partitions.Count : 0), Is.All.EqualTo(16));
            Assert.That(registry.TryGetTopic(overLimit, out _), Is.False);
            Assert.That(((FileLogStore)restarted.Services.GetRequiredService<ILogStore>()).OpenSegmentFiles, Is.LessThanOrEqualTo(TotalPartitions + SealedCache));
        }
    }

    [Test]
    public async Task CreatePartitionsPastTheTotalLimit_IsPolicyViolation_ThroughTheAdminClient()
    {
        await using var broker = await BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0, MaxPartitions = 8 });
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers));
        string topic = UniqueNames.For("grow-limit");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 6, ReplicationFactor = 1 }]);

        var failure = Assert.ThrowsAsync<CreatePartitionsException>(() =>
            admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 9 }]));

        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ClientError.PolicyViolation));
    }
}
