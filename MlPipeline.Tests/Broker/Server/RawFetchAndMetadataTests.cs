using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Fetch long-polling and Metadata topic-list semantics, checked on the wire.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RawFetchAndMetadataTests
{
    private const short FetchVersion = 11;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    // Owned by the broker, which disposes it.
    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    [Test]
    public async Task ParkedFetch_IsAnsweredAsSoonAsDataArrives()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        var stopwatch = Stopwatch.StartNew();
        await connection.SendAsync((short)ApiKey.Fetch, FetchVersion, body => WriteFetch(body, topic, offset: 0, maxWaitMs: 20_000));
        var response = connection.ReceiveAsync();
        Assert.That(response.IsCompleted, Is.False, "parked while the partition is empty");

        AppendOneRecord(topic);
        var (_, body) = await response;

        var partition = ReadSinglePartition(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(partition.Error, Is.EqualTo(ErrorCode.None));
            Assert.That(partition.HighWatermark, Is.EqualTo(1));
            Assert.That(partition.RecordsLength, Is.GreaterThan(RecordBatchHeader.Size));
        }
    }

    [Test]
    public async Task FetchAtTheEnd_AfterMaxWait_ReturnsEmptyRecordsNeverNull()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Fetch, FetchVersion, body => WriteFetch(body, topic, offset: 0, maxWaitMs: 50));
        var partition = ReadSinglePartition((await connection.ReceiveAsync()).Body);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(partition.Error, Is.EqualTo(ErrorCode.None));
            Assert.That(partition.LastStableOffset, Is.EqualTo(partition.HighWatermark));
            Assert.That(partition.PreferredReadReplica, Is.EqualTo(-1));
            Assert.That(partition.RecordsLength, Is.Zero);
        }
    }

    [Test]
    public async Task FetchWithTinyPartitionMaxBytes_StillReturnsExactlyOneWholeBatch()
    {
        string topic = CreateTopic();
        int firstBatchSize = AppendOneRecord(topic);
        AppendOneRecord(topic);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Fetch, FetchVersion, body => WriteFetch(body, topic, offset: 0, maxWaitMs: 5_000, partitionMaxBytes: 10));
        var partition = ReadSinglePartition((await connection.ReceiveAsync()).Body);

        Assert.That(partition.RecordsLength, Is.EqualTo(firstBatchSize));
    }

    [Test]
    public async Task FetchBeyondTheEnd_IsOffsetOutOfRange()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Fetch, FetchVersion, body => WriteFetch(body, topic, offset: 5, maxWaitMs: 5_000));
        var partition = ReadSinglePartition((await connection.ReceiveAsync()).Body);

        Assert.That(partition.Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
    }

    [Test]
    public async Task DeletingATopic_WakesFetchesParkedOnIt()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.Fetch, FetchVersion, body => WriteFetch(body, topic, offset: 0, maxWaitMs: 20_000));
        var response = connection.ReceiveAsync();

        Topics.Delete(topic);

        var partition = ReadSinglePartition((await response).Body);
        Assert.That(partition.Error, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }

    [Test]
    public async Task MetadataV4_WithAutoCreationDisallowed_AnswersUnknownTopic_AndCreatesNothing()
    {
        string topic = UniqueNames.For("not-created");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Metadata, 4, body => WriteMetadataRequest(body, [topic], allowAutoCreate: false));
        var topics = ReadMetadataTopics((await connection.ReceiveAsync()).Body, version: 4);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topics, Is.EqualTo(new[] { (topic, ErrorCode.UnknownTopicOrPartition, 0) }));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False);
        }
    }

    [Test]
    public async Task MetadataV4_WithAutoCreationAllowed_CreatesTheTopicWithDefaultPartitions()
    {
        string topic = UniqueNames.For("auto-created");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Metadata, 4, body => WriteMetadataRequest(body, [topic], allowAutoCreate: true));
        var topics = ReadMetadataTopics((await connection.ReceiveAsync()).Body, version: 4);

        Assert.That(topics, Is.EqualTo(new[] { (topic, ErrorCode.None, _broker.Options.DefaultPartitions) }));
    }

    [Test]
    public async Task MetadataV1_EmptyTopicList_MeansNoTopics_NullMeansAll()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Metadata, 1, body => body.WriteArrayCount(0));
        var none = ReadMetadataTopics((await connection.ReceiveAsync()).Body, version: 1);
        await connection.SendAsync((short)ApiKey.Metadata, 1, body => body.WriteArrayCount(-1));
        var all = ReadMetadataTopics((await connection.ReceiveAsync()).Body, version: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(none, Is.Empty);
            Assert.That(all.Select(t => t.Name), Does.Contain(topic));
        }
    }

    [Test]
    public async Task MetadataV0_EmptyTopicList_MeansAllTopics()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Metadata, 0, body => body.WriteArrayCount(0));
        var all = ReadMetadataTopics((await connection.ReceiveAsync()).Body, version: 0);

        Assert.That(all.Select(t => t.Name), Does.Contain(topic));
    }

    private string CreateTopic()
    {
        string topic = UniqueNames.For("raw-fetch");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        return topic;
    }

    /// <summary>Appends a one-record batch; returns its size.</summary>
    private int AppendOneRecord(string topic)
    {
        byte[] batch = new RecordBatchBuilder().Add("k", "v", 1_700_000_000_000).Build();
        RecordBatchValidator.Validate(batch, int.MaxValue, out var header, out _);
        Topics.GetPartition(topic, 0)!.Append(batch, header);
        return batch.Length;
    }

    private static void WriteFetch(KafkaWriter body, string topic, long offset, int maxWaitMs, int partitionMaxBytes = 1024 * 1024)
    {
        body.WriteInt32(-1); // replica_id
        body.WriteInt32(maxWaitMs);
        body.WriteInt32(1); // min_bytes
        body.WriteInt32(1024 * 1024); // max_bytes
        body.WriteInt8(1); // isolation_level: read_committed, as librdkafka
        body.WriteInt32(0); // session_id
        body.WriteInt32(-1); // session_epoch
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteArrayCount(1);
        body.WriteInt32(0); // partition
        body.WriteInt32(-1); // current_leader_epoch
        body.WriteInt64(offset);
        body.WriteInt64(-1); // log_start_offset
        body.WriteInt32(partitionMaxBytes);
        body.WriteArrayCount(0); // forgotten topics
        body.WriteString(""); // rack_id
    }

    private static (ErrorCode Error, long HighWatermark, long LastStableOffset, int PreferredReadReplica, int RecordsLength) ReadSinglePartition(byte[] body)
    {
        var reader = new KafkaReader(body);
        reader.ReadInt32(); // throttle
        Assert.That((ErrorCode)reader.ReadInt16(), Is.EqualTo(ErrorCode.None), "top-level error");
        reader.ReadInt32(); // session_id
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "topics");
        reader.ReadString();
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "partitions");
        reader.ReadInt32(); // index
        var error = (ErrorCode)reader.ReadInt16();
        long highWatermark = reader.ReadInt64();
        long lastStable = reader.ReadInt64();
        reader.ReadInt64(); // log_start_offset
        Assert.That(reader.ReadInt32(), Is.Zero, "aborted transactions: empty, not null");
        int preferredReadReplica = reader.ReadInt32();
        int recordsLength = reader.ReadInt32();
        return (error, highWatermark, lastStable, preferredReadReplica, recordsLength);
    }

    private static void WriteMetadataRequest(KafkaWriter body, string[] topics, bool allowAutoCreate)
    {
        body.WriteArrayCount(topics.Length);
        foreach (string topic in topics) body.WriteString(topic);
        body.WriteBoolean(allowAutoCreate);
    }

    private static List<(string Name, ErrorCode Error, int Partitions)> ReadMetadataTopics(byte[] body, short version)
    {
        var reader = new KafkaReader(body);
        if (version >= 3) reader.ReadInt32(); // throttle
        int brokers = reader.ReadInt32();
        for (int i = 0; i < brokers; i++)
        {
            reader.ReadInt32();
            reader.ReadString();
            reader.ReadInt32();
            if (version >= 1) reader.ReadNullableString();
        }
        if (version >= 2) reader.ReadNullableString(); // cluster_id
        if (version >= 1) reader.ReadInt32(); // controller_id
        int count = reader.ReadInt32();
        var topics = new List<(string, ErrorCode, int)>();
        for (int t = 0; t < count; t++)
        {
            var error = (ErrorCode)reader.ReadInt16();
            string name = reader.ReadString();
            if (version >= 1) reader.ReadBoolean();
            int partitions = reader.ReadInt32();
            for (int p = 0; p < partitions; p++)
            {
                reader.ReadInt16();
                reader.ReadInt32();
                reader.ReadInt32();
                if (version >= 7) reader.ReadInt32();
                reader.ReadRaw(reader.ReadInt32() * 4); // replicas
                reader.ReadRaw(reader.ReadInt32() * 4); // isr
                if (version >= 5) reader.ReadRaw(reader.ReadInt32() * 4); // offline
            }
            topics.Add((name, error, partitions));
        }
        return topics;
    }
}
