using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Produce over a raw socket with hand-built batches: idempotent retries, acks handling, errors.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RawProduceTests
{
    private const short ProduceVersion = 8;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    // Owned by the broker, which disposes it.
    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task SameIdempotentBatchSentTwice_BothSucceedWithTheSameBaseOffset_WrittenOnce()
    {
        string topic = CreateTopic();
        await ProduceAsync(topic, ABatch(producerId: 9001, sequence: 0, records: 2), acks: -1); // offsets 0-1
        byte[] batch = ABatch(producerId: 9001, sequence: 2, records: 3);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        var first = await ProduceAsync(topic, batch, acks: -1, connection);
        var retry = await ProduceAsync(topic, batch, acks: -1, connection);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo((ErrorCode.None, 2L)));
            Assert.That(retry, Is.EqualTo((ErrorCode.None, 2L)));
            Assert.That(Topics.GetPartition(topic, 0)!.Log.LogEndOffset, Is.EqualTo(5));
        }
    }

    [Test]
    public async Task SequenceGap_IsRejectedWithOutOfOrderSequence()
    {
        string topic = CreateTopic();
        await ProduceAsync(topic, ABatch(producerId: 9002, sequence: 0, records: 1), acks: 1);

        var gap = await ProduceAsync(topic, ABatch(producerId: 9002, sequence: 5, records: 1), acks: 1);

        Assert.That(gap.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
    }

    [Test]
    public async Task InvalidAcks_IsRejectedWithInvalidRequiredAcks()
    {
        string topic = CreateTopic();

        var result = await ProduceAsync(topic, ABatch(producerId: -1, sequence: -1, records: 1), acks: 2);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidRequiredAcks));
    }

    [Test]
    public async Task UnknownTopic_IsRejectedWithUnknownTopicOrPartition()
    {
        var result = await ProduceAsync(UniqueNames.For("missing"), ABatch(producerId: -1, sequence: -1, records: 1), acks: 1);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }

    [Test]
    public async Task CorruptedBatch_IsRejectedWithCorruptMessage()
    {
        string topic = CreateTopic();
        byte[] batch = ABatch(producerId: -1, sequence: -1, records: 1);
        batch[^1] ^= 0xFF; // inside the CRC-covered records

        var result = await ProduceAsync(topic, batch, acks: 1);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.CorruptMessage));
    }

    [Test]
    public async Task AcksZero_GetsNoResponse_ButIsAppended()
    {
        string topic = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, ABatch(-1, -1, 1), acks: 0));
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await connection.ReceiveAsync()).CorrelationId, Is.EqualTo(probe), "the first response is the ApiVersions one");
            Assert.That(Topics.GetPartition(topic, 0)!.Log.LogEndOffset, Is.EqualTo(1));
        }
    }

    private string CreateTopic()
    {
        string topic = UniqueNames.For("raw-produce");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        return topic;
    }

    private static byte[] ABatch(long producerId, int sequence, int records)
    {
        var builder = new RecordBatchBuilder().WithProducer(producerId, producerId < 0 ? (short)-1 : (short)0, sequence);
        for (int i = 0; i < records; i++) builder.Add($"k{i}", $"v{i}", 1_700_000_000_000 + i);
        return builder.Build();
    }

    private async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(string topic, byte[] batch, short acks, RawKafkaConnection? connection = null)
    {
        var own = connection is null ? await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers) : null;
        try
        {
            var target = connection ?? own!;
            await target.SendAsync((short)ApiKey.Produce, ProduceVersion, body => WriteProduce(body, topic, batch, acks));
            var (_, response) = await target.ReceiveAsync();
            return ReadSinglePartitionResult(response);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    private static void WriteProduce(KafkaWriter body, string topic, byte[] batch, short acks)
    {
        body.WriteNullableString(null); // transactional_id
        body.WriteInt16(acks);
        body.WriteInt32(5_000); // timeout_ms
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteArrayCount(1);
        body.WriteInt32(0); // partition
        body.WriteBytes(batch);
    }

    private static (ErrorCode Error, long BaseOffset) ReadSinglePartitionResult(byte[] response)
    {
        var reader = new KafkaReader(response);
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "topics");
        reader.ReadString();
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "partitions");
        reader.ReadInt32(); // index
        var error = (ErrorCode)reader.ReadInt16();
        long baseOffset = reader.ReadInt64();
        return (error, baseOffset);
    }
}
