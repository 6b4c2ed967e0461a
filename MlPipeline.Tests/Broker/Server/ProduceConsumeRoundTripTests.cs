using System.Buffers;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>The real librdkafka producer and consumer against the embedded broker, once per codec.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ProduceConsumeRoundTripTests
{
    private const int Partitions = 3;
    private const int MessageCount = 600;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TestCase(CompressionType.None)]
    [TestCase(CompressionType.Gzip)]
    [TestCase(CompressionType.Snappy)]
    [TestCase(CompressionType.Lz4)]
    [TestCase(CompressionType.Zstd)]
    public async Task IdempotentProducerWithCodec_ConsumerReadsEveryMessageInOrderPerPartition(CompressionType codec)
    {
        string topic = UniqueNames.For("roundtrip");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers)))
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);

        var config = KafkaTestClients.ProducerConfig(_broker.BootstrapServers);
        config.CompressionType = codec;
        using (var producer = KafkaTestClients.BuildProducer<string, string>(config))
        {
            for (int i = 0; i < MessageCount; i++)
                producer.Produce(new TopicPartition(topic, i % Partitions), new Message<string, string> { Key = $"k{i}", Value = $"value-{i}-{new string('x', 40)}" });
            Assert.That(producer.Flush(TimeSpan.FromSeconds(15)), Is.Zero, "messages still in flight after flush");
        }

        var received = ConsumeAll(topic, MessageCount);
        var storedCodecs = StoredCodecs(topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(received, Has.Count.EqualTo(MessageCount));
            // Proves the codec really travelled (librdkafka silently sends zstd uncompressed without Produce v7/Fetch v10).
            Assert.That(storedCodecs, Is.EquivalentTo(new[] { ExpectedCodec(codec) }));
            for (int partition = 0; partition < Partitions; partition++)
            {
                var expected = Enumerable.Range(0, MessageCount).Where(i => i % Partitions == partition).Select(i => $"k{i}");
                var actual = received.Where(r => r.Partition == partition).OrderBy(r => r.Offset).Select(r => r.Key);
                Assert.That(actual, Is.EqualTo(expected), $"partition {partition}");
                Assert.That(received.Where(r => r.Partition == partition).Select(r => r.Offset), Is.EqualTo(Enumerable.Range(0, MessageCount / Partitions).Select(o => (long)o)));
            }
        }
    }

    private static CompressionCodec ExpectedCodec(CompressionType codec) => codec switch
    {
        CompressionType.Gzip => CompressionCodec.Gzip,
        CompressionType.Snappy => CompressionCodec.Snappy,
        CompressionType.Lz4 => CompressionCodec.Lz4,
        CompressionType.Zstd => CompressionCodec.Zstd,
        _ => CompressionCodec.None,
    };

    /// <summary>The distinct codecs of every batch stored for the topic, read straight from the broker's logs.</summary>
    private HashSet<CompressionCodec> StoredCodecs(string topic)
    {
        var registry = _broker.Server.Services.GetRequiredService<TopicRegistry>();
        Assert.That(registry.TryGetTopic(topic, out var state), Is.True);
        var codecs = new HashSet<CompressionCodec>();
        foreach (var partition in state!.Partitions)
        {
            var buffer = new ArrayBufferWriter<byte>();
            partition.Log.Read(0, int.MaxValue, buffer);
            var bytes = buffer.WrittenSpan;
            while (bytes.Length >= RecordBatchHeader.Size)
            {
                var header = RecordBatchHeader.Parse(bytes);
                codecs.Add(header.Codec);
                bytes = bytes[header.TotalSize..];
            }
        }
        return codecs;
    }

    private List<(int Partition, long Offset, string Key)> ConsumeAll(string topic, int expected)
    {
        var received = new List<(int Partition, long Offset, string Key)>();
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null || result.IsPartitionEOF) continue;
            received.Add((result.Partition.Value, result.Offset.Value, result.Message.Key));
        }
        consumer.Close();
        return received;
    }
}
