using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Broker.Storage;
using MlPipeline.Tests.Infrastructure;
using ErrorCode = MlPipeline.Broker.Protocol.ErrorCode;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// A disk that fails under one partition (append throws IOException) costs that partition's produce an
/// answer of KAFKA_STORAGE_ERROR (56), as Kafka does; the connection, the other partitions and the broker's log
/// stay healthy, and a retrying client succeeds once the fault clears.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class StorageErrorTests
{
    private const short ProduceVersion = 8;
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;
    private FaultyDiskLogStore _disk = null!;
    private BrokerServer _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _disk = new FaultyDiskLogStore();
        _loggerFactory = _logs.CreateFactory();
        // The broker owns and disposes the store, like its real one.
        _broker = await BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0 }, _loggerFactory, timeProvider: null,
            services => services.AddSingleton<ILogStore>(_disk), CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        await _broker.DisposeAsync();
        _disk.Dispose(); // already closed by the broker; disposing again is harmless
        _loggerFactory.Dispose();
        _logs.Dispose();
    }

    private TopicRegistry Topics => _broker.Services.GetRequiredService<TopicRegistry>();

    [Test]
    public async Task AppendFailsOnOnePartition_ThatPartitionGetsStorageError_OtherPartitionAndConnectionCarryOn()
    {
        string topic = CreateTopic(partitions: 2);
        _disk.FailAppends(topic, 0);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, partitions: [0, 1]));
        var results = ReadPartitionResults((await connection.ReceiveAsync()).Body);
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results[0], Is.EqualTo((ErrorCode.KafkaStorageError, -1L)), "the failing partition");
            Assert.That(results[1], Is.EqualTo((ErrorCode.None, 0L)), "the healthy partition of the same request");
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still answers");
        }
    }

    [Test]
    public async Task RepeatedFailuresThenRecovery_AreLoggedOnceEachWithTheReason()
    {
        string topic = CreateTopic(partitions: 1);
        _disk.FailAppends(topic, 0);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        for (int i = 0; i < 5; i++) await ProduceAsync(connection, topic);
        _disk.Heal(topic, 0);

        var healed = await ProduceAsync(connection, topic);

        var aboutTopic = _logs.Entries.Where(e => e.Message.Contains($"{topic}-0", StringComparison.Ordinal)).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(healed, Is.EqualTo((ErrorCode.None, 0L)));
            Assert.That(aboutTopic.Where(e => e.Level == LogLevel.Error).Select(e => e.Message),
                Has.One.Items.And.All.Contains("No space left on device").And.All.Contains("/faulty-disk/"), "one error line naming the reason and path");
            Assert.That(aboutTopic.Where(e => e.Level == LogLevel.Information).Select(e => e.Message),
                Has.One.Items.And.All.Contains("after 5 failed appends"), "one recovery line");
        }
    }

    [Test]
    public async Task AppendFailsOnAPartitionAddedByCreatePartitions_TheFailureIsLoggedLikeAnyOther()
    {
        string topic = CreateTopic(partitions: 1);
        Assert.That(Topics.AddPartitions(topic, 2, assignments: null, _broker.Identity.NodeId, validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        _disk.FailAppends(topic, 1);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, partitions: [1]));
        var result = ReadPartitionResults((await connection.ReceiveAsync()).Body)[1];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo((ErrorCode.KafkaStorageError, -1L)));
            Assert.That(_logs.Entries.Where(e => e.Level == LogLevel.Error && e.Message.Contains($"{topic}-1", StringComparison.Ordinal)).Select(e => e.Message),
                Has.One.Items.And.All.Contains("No space left on device"), "the grown partition logs its disk failure");
        }
    }

    [Test]
    public async Task ConfluentProducer_RetriesThroughATransientStorageError_AndOtherPartitionsDeliverMeanwhile()
    {
        string topic = CreateTopic(partitions: 2);
        _disk.FailAppends(topic, 0);
        int failedBefore = _disk.FailedAppends;
        using var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(_broker.BootstrapServers));

        var stuck = producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "k", Value = "waits for the disk" });
        var meanwhile = await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<string, string> { Key = "k", Value = "healthy" });
        Assert.That(() => _disk.FailedAppends - failedBefore, Is.GreaterThanOrEqualTo(2).After(10_000, 20), "the producer retried the failing partition");
        _disk.Heal(topic, 0);
        var delivered = await stuck.WaitAsync(TimeSpan.FromSeconds(15));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(meanwhile.Status, Is.EqualTo(PersistenceStatus.Persisted), "the healthy partition during the fault");
            Assert.That(stuck.IsCompletedSuccessfully, Is.True);
            Assert.That(delivered.Offset.Value, Is.Zero, "written once, after the fault cleared");
            Assert.That(Topics.GetPartition(topic, 0)!.Log.LogEndOffset, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task ReadFailsOnOnePartition_FetchGetsStorageErrorWithoutRecordsThere_OtherPartitionIsServed()
    {
        string topic = CreateTopic(partitions: 2);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, partitions: [0, 1]));
        await connection.ReceiveAsync();
        _disk.FailReads(topic, 0);

        await connection.SendAsync((short)ApiKey.Fetch, 4, body => WriteFetch(body, topic, partitions: [0, 1]));
        var results = ReadFetchResults((await connection.ReceiveAsync()).Body);
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results[0], Is.EqualTo((ErrorCode.KafkaStorageError, 0)), "the unreadable partition: error, no record bytes");
            Assert.That(results[1].Error, Is.EqualTo(ErrorCode.None));
            Assert.That(results[1].RecordBytes, Is.EqualTo(ABatch().Length), "the healthy partition's batch");
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still answers");
        }
    }

    [Test]
    public async Task CreateTopicsOnADiskThatRefusesTheDescriptor_IsKafkaStorageError_TheTopicIsNotCreated_AndTheConnectionServes()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        string topic = UniqueNames.For("unwritable");
        _disk.FailTopicCreation = true;
        byte[] response;
        try
        {
            await connection.SendAsync((short)ApiKey.CreateTopics, 1, body =>
            {
                body.WriteArrayCount(1);
                body.WriteString(topic);
                body.WriteInt32(2); // partitions
                body.WriteInt16(1); // replication factor
                body.WriteArrayCount(0); // assignments
                body.WriteArrayCount(0); // configs
                body.WriteInt32(5_000); // timeout_ms
                body.WriteBoolean(false); // validate_only
            });
            response = (await connection.ReceiveAsync()).Body;
        }
        finally
        {
            _disk.FailTopicCreation = false;
        }
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        var reader = new KafkaReader(response);
        reader.ReadArrayCount();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.ReadString(), Is.EqualTo(topic));
            Assert.That((ErrorCode)reader.ReadInt16(), Is.EqualTo(ErrorCode.KafkaStorageError));
            Assert.That(reader.ReadNullableString(), Does.Contain("Read-only file system"));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False, "no half-created topic");
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still answers");
            Assert.That(_logs.AtLeast(LogLevel.Error).Select(e => e.Message), Has.Some.Contains("Read-only file system").And.Contains(topic));
        }
    }

    [Test]
    public async Task OffsetCommitOnADiskThatRefusesTheJournal_IsKafkaStorageErrorPerPartition_AndNothingIsStored()
    {
        string topic = CreateTopic(partitions: 2);
        string group = UniqueNames.For("faulty-commit");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        _disk.FailOffsetCommits = true;
        byte[] response;
        try
        {
            await connection.SendAsync((short)ApiKey.OffsetCommit, 2, body =>
            {
                body.WriteString(group);
                body.WriteInt32(-1); // generation: a standalone commit
                body.WriteString("");
                body.WriteInt64(-1); // retention_time_ms
                body.WriteArrayCount(1);
                body.WriteString(topic);
                body.WriteArrayCount(2);
                foreach (int partition in new[] { 0, 1 })
                {
                    body.WriteInt32(partition);
                    body.WriteInt64(5);
                    body.WriteNullableString(null);
                }
            });
            response = (await connection.ReceiveAsync()).Body;
        }
        finally
        {
            _disk.FailOffsetCommits = false;
        }
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        var reader = new KafkaReader(response); // v2: no throttle_time_ms
        reader.ReadArrayCount();
        reader.ReadString();
        var errors = new List<ErrorCode>();
        for (int count = reader.ReadArrayCount(), i = 0; i < count; i++)
        {
            reader.ReadInt32();
            errors.Add((ErrorCode)reader.ReadInt16());
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(errors, Is.EqualTo(new[] { ErrorCode.KafkaStorageError, ErrorCode.KafkaStorageError }));
            Assert.That(_disk.Offsets.GetAll(group), Is.Empty);
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still answers");
        }
    }

    private string CreateTopic(int partitions)
    {
        string topic = UniqueNames.For("faulty-disk");
        Assert.That(Topics.Create(topic, partitions, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        return topic;
    }

    private static byte[] ABatch() => new RecordBatchBuilder().Add("k", "v", 1_700_000_000_000).Build();

    private static async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(RawKafkaConnection connection, string topic)
    {
        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, partitions: [0]));
        return ReadPartitionResults((await connection.ReceiveAsync()).Body)[0];
    }

    private static void WriteProduce(KafkaWriter body, string topic, int[] partitions)
    {
        body.WriteNullableString(null); // transactional_id
        body.WriteInt16(-1); // acks
        body.WriteInt32(5_000); // timeout_ms
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteArrayCount(partitions.Length);
        foreach (int partition in partitions)
        {
            body.WriteInt32(partition);
            body.WriteBytes(ABatch());
        }
    }

    private static void WriteFetch(KafkaWriter body, string topic, int[] partitions)
    {
        body.WriteInt32(-1); // replica_id
        body.WriteInt32(0); // max_wait_ms: answer at once
        body.WriteInt32(1); // min_bytes
        body.WriteInt32(1024 * 1024); // max_bytes
        body.WriteInt8(0); // isolation_level
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteArrayCount(partitions.Length);
        foreach (int partition in partitions)
        {
            body.WriteInt32(partition);
            body.WriteInt64(0); // fetch_offset
            body.WriteInt32(1024 * 1024); // partition_max_bytes
        }
    }

    /// <summary>partition => (error, record bytes) of a one-topic Fetch v4 response.</summary>
    private static Dictionary<int, (ErrorCode Error, int RecordBytes)> ReadFetchResults(byte[] response)
    {
        var reader = new KafkaReader(response);
        reader.ReadInt32(); // throttle_time_ms
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "topics");
        reader.ReadString();
        int count = reader.ReadInt32();
        var results = new Dictionary<int, (ErrorCode, int)>();
        for (int i = 0; i < count; i++)
        {
            int index = reader.ReadInt32();
            var error = (ErrorCode)reader.ReadInt16();
            reader.ReadInt64(); // high_watermark
            reader.ReadInt64(); // last_stable_offset
            reader.ReadInt32(); // aborted_transactions (empty)
            int recordBytes = reader.ReadBytesSpan().Length;
            results[index] = (error, recordBytes);
        }
        return results;
    }

    /// <summary>partition => (error, base offset) of a one-topic Produce v8 response.</summary>
    private static Dictionary<int, (ErrorCode Error, long BaseOffset)> ReadPartitionResults(byte[] response)
    {
        var reader = new KafkaReader(response);
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "topics");
        reader.ReadString();
        int count = reader.ReadInt32();
        var results = new Dictionary<int, (ErrorCode, long)>();
        for (int i = 0; i < count; i++)
        {
            int index = reader.ReadInt32();
            var error = (ErrorCode)reader.ReadInt16();
            long baseOffset = reader.ReadInt64();
            reader.ReadInt64(); // log_append_time
            reader.ReadInt64(); // log_start_offset
            reader.ReadInt32(); // record_errors
            reader.ReadNullableString(); // error_message
            results[index] = (error, baseOffset);
        }
        return results;
    }
}
