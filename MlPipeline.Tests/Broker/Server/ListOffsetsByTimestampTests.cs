using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using ErrorCode = MlPipeline.Broker.Protocol.ErrorCode;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Broker.Storage;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// ListOffsets by timestamp answers from batch headers: no decompression however the log's batches are compressed
/// (counted by the broker's <see cref="DecompressionCounter"/>), and a stored batch that would be a bomb or garbage
/// to decode (written before records were validated) neither slows the answer nor closes the connection.
/// A broker per fixture, so the counter sees only this fixture's work.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ListOffsetsByTimestampTests
{
    private const long T0 = HostileBatches.BaseTimestamp;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    private DecompressionCounter Decompressions => _broker.Server.Services.GetRequiredService<DecompressionCounter>();

    [Test]
    public async Task ByTimestamp_OverCompressedBatches_AnswersFromHeadersWithZeroDecompressions()
    {
        string topic = CreateTopic();
        CompressionCodec[] codecs = [CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd];
        long countBefore = Decompressions.Count;
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        for (int b = 0; b < codecs.Length; b++)
        {
            var batch = PartitionLogTestData.ABatch(first: b * 3, count: 3, timestamp: T0 + b * 100, codec: codecs[b]);
            Assert.That((await ProduceValidationTests.ProduceAsync(connection, topic, batch, version: 8)).Error, Is.EqualTo(ErrorCode.None));
        }
        long afterProduce = Decompressions.Count;

        var answers = new List<(ErrorCode, long, long)>();
        foreach (long timestamp in new[] { T0 - 1, T0 + 100, T0 + 201, T0 + 302, T0 + 999 })
            answers.Add(await ListOffsetAsync(connection, topic, timestamp));
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        var byClient = consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(T0 + 200, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterProduce - countBefore, Is.EqualTo(codecs.Length), "produce validation decompressed each batch once (the counter counts)");
            Assert.That(Decompressions.Count, Is.EqualTo(afterProduce), "ListOffsets decompressed nothing");
            Assert.That(answers, Is.EqualTo(new[]
            {
                (ErrorCode.None, T0, 0L), // before everything: the first record, exact
                (ErrorCode.None, T0 + 100, 3L), // a batch's first record: exact
                (ErrorCode.None, T0 + 202, 6L), // inside a compressed batch: its first offset, its maxTimestamp
                (ErrorCode.None, T0 + 302, 9L),
                (ErrorCode.None, -1L, -1L), // after everything
            }));
            Assert.That(byClient.Single().Offset.Value, Is.EqualTo(6), "Confluent.Kafka's offsetsForTimes");
        }
    }

    [Test]
    public async Task ByTimestamp_OverStoredBombAndGarbageBatches_AnswersWithoutDecompressingOrClosingTheConnection()
    {
        string topic = CreateTopic();
        var log = Topics.GetPartition(topic, 0)!.Log;
        // Appended straight to the log, as a broker that validated only headers and CRCs would have stored them.
        log.Append(HostileBatches.Bomb(CompressionCodec.Zstd, 200L * 1024 * 1024)); // offset 0
        log.Append(HostileBatches.Assemble(new byte[64], CompressionCodec.Gzip, 1, 0, T0)); // offset 1
        log.Append(HostileBatches.Batch(HostileBatches.Record(0, headerCountClaim: 16_000_000), 1)); // offset 2
        log.Append(HostileBatches.Batch(HostileBatches.Record(0, lengthAdjustment: 40), 1)); // offset 3
        log.Append(PartitionLogTestData.ABatch(first: 4, count: 2, timestamp: T0 + 10)); // offsets 4-5
        long countBefore = Decompressions.Count;
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        var atStart = await ListOffsetAsync(connection, topic, T0);
        var later = await ListOffsetAsync(connection, topic, T0 + 11);
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (correlationId, _) = await connection.ReceiveAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(atStart, Is.EqualTo((ErrorCode.None, T0, 0L)));
            Assert.That(later, Is.EqualTo((ErrorCode.None, T0 + 11, 5L)));
            Assert.That(correlationId, Is.EqualTo(probe), "the connection is still served");
            Assert.That(Decompressions.Count, Is.EqualTo(countBefore), "nothing was decompressed");
        }
    }

    private string CreateTopic()
    {
        string topic = UniqueNames.For("list-offsets-time");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        return topic;
    }

    /// <summary>ListOffsets v5 for partition 0 at <paramref name="timestamp"/>: (error, timestamp, offset).</summary>
    private static async Task<(ErrorCode Error, long Timestamp, long Offset)> ListOffsetAsync(RawKafkaConnection connection, string topic, long timestamp)
    {
        await connection.SendAsync((short)ApiKey.ListOffsets, 5, body =>
        {
            body.WriteInt32(-1); // replica_id
            body.WriteInt8(0); // isolation_level
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0);
            body.WriteInt32(-1); // current_leader_epoch
            body.WriteInt64(timestamp);
        });
        var (_, response) = await connection.ReceiveAsync();
        var reader = new KafkaReader(response);
        reader.ReadInt32(); // throttle
        reader.ReadInt32();
        reader.ReadString();
        reader.ReadInt32();
        reader.ReadInt32(); // index
        var error = (ErrorCode)reader.ReadInt16();
        return (error, reader.ReadInt64(), reader.ReadInt64());
    }
}
