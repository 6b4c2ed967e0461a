using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// The lowest advertised versions, which clients with fixed versions use (kafka-python 2.0.2: Fetch 4,
/// ListOffsets 1), decoded field by field so a layout slip in a version branch is caught.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class OldestVersionsTests
{
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task ProduceV3_FetchV4_ListOffsetsV1_RoundTripOneBatch()
    {
        string topic = EmbeddedBrokerFixture.UniqueName("old-versions");
        var topics = _broker.Server.Services.GetRequiredService<TopicRegistry>();
        topics.Create(topic, 1, 1, [], validateOnly: false);
        byte[] batch = new RecordBatchBuilder().Add("k", "v", 1_700_000_000_000).Add("k2", "v2", 1_700_000_000_001).Build();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Produce, 3, body =>
        {
            body.WriteNullableString(null);
            body.WriteInt16(-1);
            body.WriteInt32(5_000);
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteBytes(batch);
        });
        var produce = new KafkaReader((await connection.ReceiveAsync()).Body);
        produce.ReadInt32(); produce.ReadString(); produce.ReadInt32(); produce.ReadInt32();
        var (produceError, baseOffset, appendTime, produceThrottle) = (produce.ReadInt16(), produce.ReadInt64(), produce.ReadInt64(), produce.ReadInt32());

        await connection.SendAsync((short)ApiKey.Fetch, 4, body =>
        {
            body.WriteInt32(-1);
            body.WriteInt32(100);
            body.WriteInt32(1);
            body.WriteInt32(1024 * 1024);
            body.WriteInt8(0);
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteInt64(0);
            body.WriteInt32(1024 * 1024);
        });
        var fetch = new KafkaReader((await connection.ReceiveAsync()).Body);
        fetch.ReadInt32(); fetch.ReadInt32(); fetch.ReadString(); fetch.ReadInt32(); fetch.ReadInt32();
        var (fetchError, highWatermark, lastStable, aborted) = (fetch.ReadInt16(), fetch.ReadInt64(), fetch.ReadInt64(), fetch.ReadInt32());
        var records = RecordBatchReader.ReadAllRecords(fetch.ReadBytesSpan());
        bool fetchFullyRead = fetch.End;

        await connection.SendAsync((short)ApiKey.ListOffsets, 1, body =>
        {
            body.WriteInt32(-1);
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteInt64(-1);
        });
        var list = new KafkaReader((await connection.ReceiveAsync()).Body);
        list.ReadInt32(); list.ReadString(); list.ReadInt32(); list.ReadInt32();
        var (listError, listTimestamp, listOffset) = (list.ReadInt16(), list.ReadInt64(), list.ReadInt64());

        using (Assert.EnterMultipleScope())
        {
            Assert.That((produceError, baseOffset, appendTime, produceThrottle), Is.EqualTo(((short)0, 0L, -1L, 0)), "produce v3");
            Assert.That((fetchError, highWatermark, lastStable, aborted), Is.EqualTo(((short)0, 2L, 2L, 0)), "fetch v4");
            Assert.That(records.Select(r => r.Offset), Is.EqualTo(new[] { 0L, 1L }));
            Assert.That(fetchFullyRead, Is.True, "no trailing fields in fetch v4");
            Assert.That((listError, listTimestamp, listOffset), Is.EqualTo(((short)0, -1L, 2L)), "list offsets v1");
            Assert.That(list.End, Is.True, "no trailing fields in list offsets v1");
        }
    }

    [Test]
    public async Task CreateTopicsV0_DescribeConfigsV0_DeleteTopicsV0_InitProducerIdV0_AreAnsweredInTheirLayouts()
    {
        string topic = EmbeddedBrokerFixture.UniqueName("old-admin");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.CreateTopics, 0, body =>
        {
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteInt32(2);
            body.WriteInt16(1);
            body.WriteArrayCount(0); // assignments
            body.WriteArrayCount(1); // configs
            body.WriteString("retention.ms");
            body.WriteNullableString("1000");
            body.WriteInt32(5_000);
        });
        var create = new KafkaReader((await connection.ReceiveAsync()).Body);
        var createResult = (create.ReadInt32(), create.ReadString(), create.ReadInt16(), create.End);

        await connection.SendAsync((short)ApiKey.DescribeConfigs, 0, body =>
        {
            body.WriteArrayCount(1);
            body.WriteInt8(2);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteString("retention.ms");
        });
        var describe = new KafkaReader((await connection.ReceiveAsync()).Body);
        describe.ReadInt32(); // throttle
        describe.ReadInt32(); // resources
        var describeHeader = (describe.ReadInt16(), describe.ReadNullableString(), describe.ReadInt8(), describe.ReadString(), describe.ReadInt32());
        var describeEntry = (describe.ReadString(), describe.ReadNullableString(), describe.ReadBoolean(), describe.ReadBoolean(), describe.ReadBoolean(), describe.End);

        await connection.SendAsync((short)ApiKey.DeleteTopics, 0, body =>
        {
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteInt32(5_000);
        });
        var delete = new KafkaReader((await connection.ReceiveAsync()).Body);
        var deleteResult = (delete.ReadInt32(), delete.ReadString(), delete.ReadInt16(), delete.End);

        await connection.SendAsync((short)ApiKey.InitProducerId, 0, body =>
        {
            body.WriteNullableString(null);
            body.WriteInt32(60_000);
        });
        var init = new KafkaReader((await connection.ReceiveAsync()).Body);
        var initResult = (init.ReadInt32(), init.ReadInt16(), init.ReadInt64() > 0, init.ReadInt16(), init.End);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(createResult, Is.EqualTo((1, topic, (short)0, true)), "create topics v0: no throttle, no error message");
            Assert.That(describeHeader, Is.EqualTo(((short)0, (string?)null, (sbyte)2, topic, 1)), "describe configs v0");
            Assert.That(describeEntry, Is.EqualTo(("retention.ms", (string?)"1000", false, false, false, true)), "v0 entry: read_only, is_default, is_sensitive");
            Assert.That(deleteResult, Is.EqualTo((1, topic, (short)0, true)), "delete topics v0: no throttle");
            Assert.That(initResult, Is.EqualTo((0, (short)0, true, (short)0, true)), "init producer id v0");
        }
    }
}
