using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Idempotent producers stay duplicate-free across a restart of a broker with a file store: hand-built
/// batches over a raw socket, the broker stopped (gracefully, or "crashed": its data directory copied while it
/// runs, so nothing was sealed or closed), a new broker started on the same data, and the same batches resent.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class ProducerStateRestartTests
{
    private const short ProduceVersion = 8;
    private const short InitProducerIdVersion = 1;
    private const long ProducerId = 31_337;
    private ILoggerFactory _loggerFactory = null!;

    [OneTimeSetUp]
    public void CreateLogging() => _loggerFactory = NUnitProgressLoggerProvider.CreateFactory();

    [OneTimeTearDown]
    public void DisposeLogging() => _loggerFactory.Dispose();

    [TestCase(Stop.Graceful)]
    [TestCase(Stop.Crash)]
    public async Task SameBatchResentAfterRestart_IsAnsweredAsDuplicateWithItsOriginalOffset_AndStoredOnce(Stop stop)
    {
        using var first = new TemporaryDirectory("producer-restart");
        string topic = UniqueNames.For("restart-dedup");
        byte[] retried = ABatch(ProducerId, sequence: 2, records: 3);
        string dataDirectory;
        using var crashImage = new TemporaryDirectory("producer-restart-crash");
        await using (var broker = await StartBrokerAsync(first.Path))
        {
            CreateTopic(broker, topic);
            await ProduceAsync(broker, topic, ABatch(ProducerId, sequence: 0, records: 2)); // offsets 0-1
            Assert.That(await ProduceAsync(broker, topic, retried), Is.EqualTo((ErrorCode.None, 2L)), "the original");
            dataDirectory = stop == Stop.Crash ? CopyWhileRunning(first.Path, crashImage.Path) : first.Path;
        }

        await using var restarted = await StartBrokerAsync(dataDirectory);
        var resent = await ProduceAsync(restarted, topic, retried);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resent, Is.EqualTo((ErrorCode.None, 2L)), "the resent batch");
            Assert.That(Partition(restarted, topic).Log.LogEndOffset, Is.EqualTo(5), "records stored");
        }
    }

    [Test]
    public async Task AfterRestart_TheNextSequenceIsAccepted_AndAGapIsOutOfOrder()
    {
        using var dataDirectory = new TemporaryDirectory("producer-restart");
        string topic = UniqueNames.For("restart-sequence");
        await using (var broker = await StartBrokerAsync(dataDirectory.Path))
        {
            CreateTopic(broker, topic);
            await ProduceAsync(broker, topic, ABatch(ProducerId, sequence: 0, records: 2));
            await ProduceAsync(broker, topic, ABatch(ProducerId, sequence: 2, records: 3));
        }

        await using var restarted = await StartBrokerAsync(dataDirectory.Path);
        var gap = await ProduceAsync(restarted, topic, ABatch(ProducerId, sequence: 7, records: 1));
        var next = await ProduceAsync(restarted, topic, ABatch(ProducerId, sequence: 5, records: 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(gap.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber), "sequence 7 when 5 is expected");
            Assert.That(next, Is.EqualTo((ErrorCode.None, 5L)), "sequence 5");
        }
    }

    [Test]
    public async Task InitProducerIdAfterRestart_NeverHandsOutAnIdFoundInTheRecoveredLog_EvenWhenTheGeneratorDrawsIt()
    {
        using var dataDirectory = new TemporaryDirectory("producer-restart");
        string topic = UniqueNames.For("restart-ids");
        const long RecoveredId = 4_242_424_242;
        await using (var broker = await StartBrokerAsync(dataDirectory.Path))
        {
            CreateTopic(broker, topic);
            await ProduceAsync(broker, topic, ABatch(RecoveredId, sequence: 0, records: 1));
        }

        // The generator draws the recovered id first (as a random one may), then a fresh one.
        var source = new ScriptedProducerIds(RecoveredId, RecoveredId + 7);
        await using var restarted = await BrokerServer.StartAsync(
            new BrokerOptions { Host = "127.0.0.1", Port = 0, DataDirectory = dataDirectory.Path }, _loggerFactory, timeProvider: null,
            services => services.AddSingleton<ProducerIdSource>(source), CancellationToken.None);
        long allocated = await InitProducerIdAsync(restarted);

        Assert.That(allocated, Is.EqualTo(RecoveredId + 7));
    }

    [Test]
    public async Task InitProducerId_HandsOutIdsThatDoNotFollowEachOther()
    {
        await using var broker = await BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0 }, _loggerFactory);
        var ids = new List<long>();
        for (int i = 0; i < 20; i++) ids.Add(await InitProducerIdAsync(broker));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Is.All.GreaterThan(0L));
            // A counter (or a clock) would make the next id the last one plus a little: another client's id guessable.
            Assert.That(ids.Zip(ids.Skip(1), (a, b) => Math.Abs(b - a)), Is.All.GreaterThan(1_000_000L));
        }
    }

    /// <summary>Candidate ids in a fixed order, then the real generator.</summary>
    private sealed class ScriptedProducerIds(params long[] script) : ProducerIdSource
    {
        private int _next;

        public override long NextCandidate() => _next < script.Length ? script[_next++] : base.NextCandidate();
    }

    [Test]
    public async Task CrashWithATornLastBatch_StateIsRebuiltFromTheIntactBatchesOnly()
    {
        using var running = new TemporaryDirectory("producer-restart");
        using var crashImage = new TemporaryDirectory("producer-restart-crash");
        string topic = UniqueNames.For("restart-torn");
        byte[] torn = ABatch(ProducerId, sequence: 3, records: 2);
        await using (var broker = await StartBrokerAsync(running.Path))
        {
            CreateTopic(broker, topic);
            await ProduceAsync(broker, topic, ABatch(ProducerId, sequence: 0, records: 2)); // offsets 0-1
            await ProduceAsync(broker, topic, ABatch(ProducerId, sequence: 2, records: 1)); // offset 2
            await ProduceAsync(broker, topic, torn); // offsets 3-4, torn below
            CopyWhileRunning(running.Path, crashImage.Path);
        }
        // A crash in the middle of writing the last batch: only its first half reached the file.
        string segment = Directory.GetFiles(Path.Combine(crashImage.Path, $"{topic}-0"), "*.log").Order(StringComparer.Ordinal).Last();
        using (var stream = new FileStream(segment, FileMode.Open))
            stream.SetLength(stream.Length - torn.Length / 2);

        await using var restarted = await StartBrokerAsync(crashImage.Path);
        var retryOfIntact = await ProduceAsync(restarted, topic, ABatch(ProducerId, sequence: 2, records: 1));
        var retryOfTorn = await ProduceAsync(restarted, topic, torn);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retryOfIntact, Is.EqualTo((ErrorCode.None, 2L)), "the last intact batch is a duplicate");
            Assert.That(retryOfTorn, Is.EqualTo((ErrorCode.None, 3L)), "the torn batch is written again, as the next sequence");
            Assert.That(Partition(restarted, topic).Log.LogEndOffset, Is.EqualTo(5), "records stored");
        }
    }

    public enum Stop
    {
        Graceful,
        Crash,
    }

    private Task<BrokerServer> StartBrokerAsync(string dataDirectory, TimeProvider? timeProvider = null) =>
        BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0, DataDirectory = dataDirectory }, _loggerFactory, timeProvider);

    /// <summary>
    /// What a crash leaves on disk: the files as they are while the broker runs (acknowledged batches are in
    /// the page cache, so a copy sees them), with no segment sealed, no index written and nothing closed.
    /// </summary>
    private static string CopyWhileRunning(string source, string destination)
    {
        foreach (string directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(source, destination, StringComparison.Ordinal));
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(source, destination, StringComparison.Ordinal));
        return destination;
    }

    private static void CreateTopic(BrokerServer broker, string topic) =>
        Assert.That(broker.Services.GetRequiredService<TopicRegistry>().Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));

    private static PartitionState Partition(BrokerServer broker, string topic) =>
        broker.Services.GetRequiredService<TopicRegistry>().GetPartition(topic, 0)!;

    private static byte[] ABatch(long producerId, int sequence, int records)
    {
        var builder = new RecordBatchBuilder().WithProducer(producerId, 0, sequence);
        for (int i = 0; i < records; i++) builder.Add($"k{sequence + i}", $"v{sequence + i}", 1_700_000_000_000 + i);
        return builder.Build();
    }

    private static async Task<long> InitProducerIdAsync(BrokerServer broker)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.InitProducerId, InitProducerIdVersion, body =>
        {
            body.WriteNullableString(null); // transactional_id
            body.WriteInt32(60_000); // transaction_timeout_ms
        });
        var reader = new KafkaReader((await connection.ReceiveAsync()).Body);
        reader.ReadInt32(); // throttle_time_ms
        Assert.That((ErrorCode)reader.ReadInt16(), Is.EqualTo(ErrorCode.None), "InitProducerId error");
        return reader.ReadInt64();
    }

    private static async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(BrokerServer broker, string topic, byte[] batch)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.Produce, ProduceVersion, body =>
        {
            body.WriteNullableString(null); // transactional_id
            body.WriteInt16(-1); // acks=all
            body.WriteInt32(5_000); // timeout_ms
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteArrayCount(1);
            body.WriteInt32(0); // partition
            body.WriteBytes(batch);
        });
        var reader = new KafkaReader((await connection.ReceiveAsync()).Body);
        reader.ReadInt32(); // topics
        reader.ReadString();
        reader.ReadInt32(); // partitions
        reader.ReadInt32(); // index
        return ((ErrorCode)reader.ReadInt16(), reader.ReadInt64());
    }
}
