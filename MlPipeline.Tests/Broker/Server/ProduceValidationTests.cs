using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Broker.Storage;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Produce refuses what Kafka refuses, over raw frames: record-level corruption behind a valid CRC, decompression
/// bombs, codec/version mismatches and requests that fail to decode half-way. Whatever is refused leaves the
/// partition exactly as it was (high watermark unchanged).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ProduceValidationTests
{
    private const long BombBytes = 200L * 1024 * 1024;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    private static IEnumerable<HostileBatches.Case> Corruption() => HostileBatches.RecordLevelCorruption();

    [TestCaseSource(nameof(Corruption))]
    public async Task RecordLevelCorruptionBehindAValidCrc_IsRefusedWithKafkasErrorAndNothingIsAppended(HostileBatches.Case hostile)
    {
        string topic = CreateTopic();
        await ProduceAsync(topic, AGoodBatch(), version: 8);
        long highWatermark = HighWatermark(topic);

        var result = await ProduceAsync(topic, hostile.Batch, version: 8);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(hostile.Error), result.Message);
            Assert.That(result.RecordErrors, Is.EqualTo(hostile.BadRecord >= 0 ? new[] { hostile.BadRecord } : Array.Empty<int>()), "record_errors");
            Assert.That(result.Message, Is.Not.Null.And.Not.Empty, "error_message says what was wrong");
            Assert.That(HighWatermark(topic), Is.EqualTo(highWatermark), "high watermark");
        }
    }

    [TestCase(CompressionCodec.Gzip)]
    [TestCase(CompressionCodec.Lz4)]
    [TestCase(CompressionCodec.Zstd)]
    public async Task TwoHundredMegabyteDecompressionBomb_IsRefusedAtProduceAndNothingIsAppended(CompressionCodec codec)
    {
        string topic = CreateTopic();
        byte[] bomb = HostileBatches.Bomb(codec, BombBytes);
        Assert.That(bomb, Has.Length.LessThan(Topics.GetPartition(topic, 0)!.Config.MaxMessageBytes), "the topic's max.message.bytes allows the compressed bomb");

        var result = await ProduceAsync(topic, bomb, version: 8);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(ErrorCode.MessageTooLarge), result.Message);
            Assert.That(result.Message, Does.Contain("max.message.bytes"));
            Assert.That(HighWatermark(topic), Is.Zero);
        }
    }

    [TestCase((short)3)]
    [TestCase((short)4)]
    [TestCase((short)5)]
    [TestCase((short)6)]
    public async Task ZstdBatch_BelowProduceV7_IsUnsupportedCompressionType(short version)
    {
        string topic = CreateTopic();

        var result = await ProduceAsync(topic, AGoodBatch(CompressionCodec.Zstd), version);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(ErrorCode.UnsupportedCompressionType));
            Assert.That(HighWatermark(topic), Is.Zero);
        }
    }

    [TestCase((short)7)]
    [TestCase((short)8)]
    public async Task ZstdBatch_FromProduceV7_IsAccepted(short version)
    {
        string topic = CreateTopic();

        var result = await ProduceAsync(topic, AGoodBatch(CompressionCodec.Zstd), version);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo(ErrorCode.None), result.Message);
            Assert.That(HighWatermark(topic), Is.EqualTo(3));
        }
    }

    [TestCase((short)3)]
    [TestCase((short)8)]
    public async Task GzipBatch_AtAnyVersion_IsAccepted(short version)
    {
        string topic = CreateTopic();

        var result = await ProduceAsync(topic, AGoodBatch(CompressionCodec.Gzip), version);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.None), result.Message);
    }

    [Test]
    public async Task HalfParsableProduce_ClosesTheConnectionAndAppendsNothing()
    {
        string first = CreateTopic();
        string second = CreateTopic();
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        // A good batch for the first topic, then a second topic whose partition array promises more than the frame holds.
        await connection.SendAsync((short)ApiKey.Produce, 8, body =>
        {
            body.WriteNullableString(null);
            body.WriteInt16(-1);
            body.WriteInt32(5_000);
            body.WriteArrayCount(2);
            body.WriteString(first);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteBytes(AGoodBatch());
            body.WriteString(second);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteInt32(10_000); // records length: more than what follows
            body.WriteRaw(AGoodBatch());
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await connection.IsClosedByPeerAsync(), Is.True, "an undecodable request closes the connection, as Kafka does");
            Assert.That(HighWatermark(first), Is.Zero, "the first topic's good batch was not appended");
            Assert.That(HighWatermark(second), Is.Zero);
        }
    }

    [Test]
    public async Task GoodAndBadPartitionsInOneRequest_OnlyTheGoodOneIsAppended()
    {
        string topic = CreateTopic(partitions: 2);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        var hostile = HostileBatches.RecordLevelCorruption().First();

        await connection.SendAsync((short)ApiKey.Produce, 8, body =>
        {
            body.WriteNullableString(null);
            body.WriteInt16(-1);
            body.WriteInt32(5_000);
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(2);
            body.WriteInt32(0);
            body.WriteBytes(AGoodBatch());
            body.WriteInt32(1);
            body.WriteBytes(hostile.Batch);
        });
        var (_, response) = await connection.ReceiveAsync();

        var reader = new KafkaReader(response);
        reader.ReadInt32();
        reader.ReadString();
        reader.ReadInt32();
        var results = new List<(int Partition, ErrorCode Error)>();
        for (int p = 0; p < 2; p++)
        {
            var partition = ReadPartitionResult(ref reader, 8);
            results.Add((partition.Index, partition.Error));
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(results, Is.EqualTo(new[] { (0, ErrorCode.None), (1, hostile.Error) }));
            Assert.That(Topics.GetPartition(topic, 0)!.Log.LogEndOffset, Is.EqualTo(3));
            Assert.That(Topics.GetPartition(topic, 1)!.Log.LogEndOffset, Is.Zero);
        }
    }

    private static byte[] AGoodBatch(CompressionCodec codec = CompressionCodec.None) =>
        PartitionLogTestData.ABatch(first: 0, count: 3, timestamp: HostileBatches.BaseTimestamp, codec: codec);

    private string CreateTopic(int partitions = 1)
    {
        string topic = UniqueNames.For("produce-validation");
        Assert.That(Topics.Create(topic, partitions, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        return topic;
    }

    private long HighWatermark(string topic) => Topics.GetPartition(topic, 0)!.Log.LogEndOffset;

    internal sealed record ProduceResult(int Index, ErrorCode Error, long BaseOffset, int[] RecordErrors, string? Message);

    private async Task<ProduceResult> ProduceAsync(string topic, byte[] batch, short version)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        return await ProduceAsync(connection, topic, batch, version);
    }

    /// <summary>Produces one batch to partition 0 (acks=all) and reads the single partition result.</summary>
    internal static async Task<ProduceResult> ProduceAsync(RawKafkaConnection connection, string topic, byte[] batch, short version)
    {
        await connection.SendAsync((short)ApiKey.Produce, version, body =>
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
        var (_, response) = await connection.ReceiveAsync();
        var reader = new KafkaReader(response);
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "topics");
        reader.ReadString();
        Assert.That(reader.ReadInt32(), Is.EqualTo(1), "partitions");
        return ReadPartitionResult(ref reader, version);
    }

    private static ProduceResult ReadPartitionResult(ref KafkaReader reader, short version)
    {
        int index = reader.ReadInt32();
        var error = (ErrorCode)reader.ReadInt16();
        long baseOffset = reader.ReadInt64();
        reader.ReadInt64(); // log_append_time
        if (version >= 5) reader.ReadInt64(); // log_start_offset
        var recordErrors = new List<int>();
        string? message = null;
        if (version >= 8)
        {
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                recordErrors.Add(reader.ReadInt32());
                reader.ReadNullableString();
            }
            message = reader.ReadNullableString();
        }
        return new ProduceResult(index, error, baseOffset, [.. recordErrors], message);
    }
}
