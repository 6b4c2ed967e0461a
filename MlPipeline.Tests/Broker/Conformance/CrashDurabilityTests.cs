using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// What survives a crash. A SIGKILLed broker process keeps every acknowledged message under both flush
/// policies: with "interval" the bytes are only in the OS page cache when acks=all is answered, but the page
/// cache belongs to the kernel, not to the process, so only a power failure could lose them (that is what
/// "always" adds). And a segment with a torn or garbage tail (a crash mid-write) is cut back on start-up to
/// its last whole batch.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class CrashDurabilityTests
{
    private const int Partitions = 3;
    private const int MessageCount = 300;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    [TestCase("interval")]
    [TestCase("always")]
    public async Task AcknowledgedMessages_BrokerProcessSigkilledAndRestarted_AllReadBackExactly(string flushPolicy)
    {
        using var dataDirectory = new TemporaryDirectory("crash-durability");
        string[] arguments = ["--port", "0", "--data-dir", dataDirectory.Path, "--flush", flushPolicy];
        string topic = UniqueNames.For("crash");

        List<StoredMessage> acknowledged;
        using (var broker = await BrokerProcess.StartAsync(arguments))
        {
            await CreateTopicAsync(broker.BootstrapServers, topic, Partitions);
            acknowledged = TopicContents.ProduceAcknowledged(broker.BootstrapServers, topic, "before-kill", 0, MessageCount);
            await broker.KillAsync();
        }

        using var restarted = await BrokerProcess.StartAsync(arguments);
        var readBack = TopicContents.Read(restarted.BootstrapServers, topic, Partitions, MessageCount, ReadTimeout);
        Assert.That(readBack, Is.EqualTo(acknowledged));
    }

    /// <summary>
    /// One idempotent producer keeps sending while the broker process is SIGKILLed ten times and restarted on the same
    /// port and data directory each time: every message the broker acknowledged is in the log exactly once, at the
    /// offset it was acknowledged with, and each partition holds what it got in the order it was sent.
    /// </summary>
    [Test]
    public async Task IdempotentProducerSendingThroughTenBrokerSigkills_LosesNothingAcknowledged_DuplicatesNothing()
    {
        const int kills = 10;
        const int acknowledgedPerRound = 40;
        using var dataDirectory = new TemporaryDirectory("crash-ten-kills");
        string[] arguments = ["--host", "127.0.0.1", "--port", FreePort().ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory.Path];
        string topic = UniqueNames.For("ten-kills");
        var acknowledged = new List<StoredMessage>();
        var failures = new List<string>();
        int sent = 0;

        var broker = await BrokerProcess.StartAsync(arguments);
        try
        {
            await CreateTopicAsync(broker.BootstrapServers, topic, Partitions);
            var config = KafkaTestClients.ProducerConfig(broker.BootstrapServers);
            // Long enough to wait out every restart: a message fails only if the broker is gone for good.
            config.MessageTimeoutMs = 120_000;
            config.ReconnectBackoffMaxMs = 200;
            using var producer = KafkaTestClients.BuildProducer<string, string>(config);
            void SendSome(int count)
            {
                for (int i = 0; i < count; i++, sent++)
                {
                    producer.Produce(topic, new Message<string, string> { Key = $"k{sent % 7}", Value = sent.ToString("D6", CultureInfo.InvariantCulture) }, report =>
                    {
                        lock (acknowledged)
                        {
                            if (report.Error.IsError) failures.Add(report.Error.Reason);
                            else acknowledged.Add(new StoredMessage(report.Partition.Value, report.Offset.Value, report.Message.Key, report.Message.Value));
                        }
                    });
                }
            }
            int Acknowledged() { lock (acknowledged) return acknowledged.Count; }

            for (int round = 0; round < kills; round++)
            {
                int target = Acknowledged() + acknowledgedPerRound;
                SendSome(acknowledgedPerRound);
                Assert.That(Acknowledged, Is.GreaterThanOrEqualTo(target).After(60_000, 5), $"round {round}: the restarted broker acknowledges");
                // The kill lands while these are in flight (or acknowledged without the producer hearing it).
                SendSome(30);
                await broker.KillAsync();
                broker.Dispose();
                broker = await BrokerProcess.StartAsync(arguments);
            }

            Assert.That(producer.Flush(TimeSpan.FromSeconds(60)), Is.Zero, "messages still in flight after the last restart");
        }
        finally
        {
            broker.Dispose();
        }

        using var reader = await BrokerProcess.StartAsync(arguments);
        List<StoredMessage> ordered;
        lock (acknowledged) ordered = [.. acknowledged.OrderBy(m => m.Partition).ThenBy(m => m.Offset)];
        var log = TopicContents.Read(reader.BootstrapServers, topic, Partitions, ordered.Count, ReadTimeout);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failures, Is.Empty, "delivery failures");
            Assert.That(ordered, Has.Count.EqualTo(sent), "every message sent was acknowledged in the end");
            Assert.That(log, Is.EqualTo(ordered), "the log is exactly the acknowledged messages at their acknowledged offsets");
            Assert.That(log.GroupBy(m => m.Partition).Where(p => !p.Select(m => m.Value).SequenceEqual(p.Select(m => m.Value).Order(StringComparer.Ordinal))).Select(p => p.Key),
                Is.Empty, "partitions whose messages are out of send order");
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [TestCase("random-bytes")]
    [TestCase("torn-batch")]
    public async Task GarbageAfterLastBatch_BrokerRestarted_ServesEveryEarlierMessageAndAppendsAtNextOffset(string garbage)
    {
        using var dataDirectory = new TemporaryDirectory("torn-tail");
        string topic = UniqueNames.For("torn");
        const int before = 120, after = 30;

        List<StoredMessage> acknowledged;
        await using (var broker = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path))
        {
            await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
            // Several produce waves, so the segment holds several batches and the garbage follows the last one.
            acknowledged = [];
            for (int wave = 0; wave < 4; wave++)
                acknowledged.AddRange(TopicContents.ProduceAcknowledged(broker.BootstrapServers, topic, "before", wave * (before / 4), before / 4));
        }
        AppendGarbage(LastSegment(dataDirectory.Path, topic), garbage);

        await using var restarted = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path);
        var survivors = TopicContents.Read(restarted.BootstrapServers, topic, 1, before, ReadTimeout);
        var appended = TopicContents.ProduceAcknowledged(restarted.BootstrapServers, topic, "after", 0, after);
        var everything = TopicContents.Read(restarted.BootstrapServers, topic, 1, before + after, ReadTimeout);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(survivors, Is.EqualTo(acknowledged), "messages before the garbage");
            Assert.That(appended.Select(m => m.Offset), Is.EqualTo(Enumerable.Range(before, after).Select(o => (long)o)), "offsets of new appends");
            Assert.That(everything, Is.EqualTo(acknowledged.Concat(appended)), "the whole log after the restart");
        }
    }

    private static async Task CreateTopicAsync(string bootstrapServers, string topic, int partitions)
    {
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(bootstrapServers));
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private static string LastSegment(string dataDirectory, string topic)
    {
        string partitionDirectory = Path.Combine(dataDirectory, $"{topic}-0");
        var segments = Directory.GetFiles(partitionDirectory, "*.log").Order(StringComparer.Ordinal).ToList();
        Assert.That(segments, Is.Not.Empty, $"no segment files in {partitionDirectory}");
        return segments[^1];
    }

    private static void AppendGarbage(string segment, string garbage)
    {
        byte[] existing = File.ReadAllBytes(segment);
        byte[] tail = garbage switch
        {
            "random-bytes" => RandomBytes(seed: 20261125, length: 1000),
            // A crash mid-write: the first half of a copy of the first batch, renumbered to follow the last one.
            "torn-batch" => TornCopyOfFirstBatch(existing),
            _ => throw new ArgumentOutOfRangeException(nameof(garbage), garbage, null),
        };
        using var stream = new FileStream(segment, FileMode.Append, FileAccess.Write);
        stream.Write(tail);
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] TornCopyOfFirstBatch(byte[] segment)
    {
        // Record batch v2: base offset (int64) then batch length (int32, counting the bytes after it).
        int batchSize = 12 + BinaryPrimitives.ReadInt32BigEndian(segment.AsSpan(8, 4));
        byte[] torn = segment.AsSpan(0, batchSize / 2).ToArray();
        BinaryPrimitives.WriteInt64BigEndian(torn, 1_000_000);
        return torn;
    }
}
