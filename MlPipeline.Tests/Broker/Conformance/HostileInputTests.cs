using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Thousands of malformed frames over raw TCP (seeded, so a failure replays) must cost the broker nothing but
/// the offending connections: afterwards real clients still produce, consume and use groups, and data
/// written before the attack is byte-for-byte what it was.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class HostileInputTests
{
    private const int Workers = 4;
    private const int FramesPerWorker = 1_250;
    private const int MaxFramesPerConnection = 6;
    private const int Seed = 20_261_125;
    private const int IntactMessages = 150;
    private const int Partitions = 3;
    private static readonly TimeSpan FuzzLimit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PoliteCloseWait = TimeSpan.FromMilliseconds(300);

    // The record-level fuzz: 100,000 frames over 4 pipelining workers; small frames, so it takes seconds.
    private const int RecordFrames = 100_000;
    private const int FuzzPartitions = 2;
    private static readonly TimeSpan RecordFuzzLimit = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan BurstDrainWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What the broker may grow by: the accepted batches (a few MB), pools, and the garbage the GC has not yet collected.
    /// Peak RSS of the broker process measured 87–180 MiB across runs (more when the machine is busy and the GC runs
    /// later); a leak of the fuzzed batches or one unbounded decode per worker would exceed it several times over.
    /// Bombs are bounded more tightly, alone, in BoundedMemoryTests.
    /// </summary>
    private const long MaxRecordFuzzGrowthBytes = 256L * 1024 * 1024;

    [Test]
    public async Task FiveThousandMalformedFrames_BrokerKeepsServingRealClientsAndEarlierDataIsIntact()
    {
        // Rejected frames warn only once a minute per client address (RejectedFrameLog); errors only keeps this
        // run's output to what would be a real problem.
        using var loggerFactory = NUnitProgressLoggerProvider.CreateFactory(LogLevel.Error);
        await using var broker = await BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0 }, loggerFactory);
        string intactTopic = UniqueNames.For("intact");
        string fuzzTopic = UniqueNames.For("fuzzed");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = intactTopic, NumPartitions = Partitions, ReplicationFactor = 1 },
                new TopicSpecification { Name = fuzzTopic, NumPartitions = 2, ReplicationFactor = 1 },
            ]);
        }
        var before = TopicContents.ProduceAcknowledged(broker.BootstrapServers, intactTopic, "intact", 0, IntactMessages);

        var templates = new RequestTemplates(fuzzTopic, UniqueNames.For("fuzzed-group")).All();
        using var limit = new CancellationTokenSource(FuzzLimit);
        var elapsed = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker =>
            Task.Run(() => FuzzAsync(broker.Port, new FrameMutator(templates, new Random(Seed + worker)), new Random(Seed - worker), limit.Token))));
        elapsed.Stop();
        TestContext.Progress.WriteLine($"fuzz: {results.Sum(r => r.Frames)} frames over {results.Sum(r => r.Connections)} connections in {elapsed.ElapsedMilliseconds} ms, {results.Sum(r => r.BytesReceived)} response bytes");

        var intactAfter = TopicContents.Read(broker.BootstrapServers, intactTopic, Partitions, IntactMessages, ReadTimeout);
        long intactHighWatermarks = HighWatermarkSum(broker.BootstrapServers, intactTopic);
        string freshTopic = UniqueNames.For("after-fuzz");
        var produced = TopicContents.ProduceAcknowledged(broker.BootstrapServers, freshTopic, "after", 0, 90);
        var consumed = TopicContents.Read(broker.BootstrapServers, freshTopic, Partitions, produced.Count, ReadTimeout);
        await using var member = new GroupMemberConsumer("after-fuzz-member", broker.BootstrapServers, freshTopic, UniqueNames.For("after-fuzz-group"));
        Assert.That(() => member.Deliveries.Count, Is.GreaterThanOrEqualTo(produced.Count).After(20_000, 50), "a group member consumes after the fuzzing");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Sum(r => r.Frames), Is.EqualTo(Workers * FramesPerWorker), "frames sent");
            Assert.That(results.Sum(r => r.BytesReceived), Is.Positive, "the broker answered some of the frames");
            Assert.That(intactAfter, Is.EqualTo(before), "data produced before the fuzzing");
            Assert.That(intactHighWatermarks, Is.EqualTo(IntactMessages), "nothing was added to the earlier topic");
            Assert.That(consumed, Is.EqualTo(produced), "produce and fetch after the fuzzing");
            Assert.That(member.Failure, Is.Null);
        }
    }

    /// <summary>
    /// The record-level half of the hostile corpus, at scale: 100,000 Produce frames with mutated batches (mostly with a
    /// valid CRC, see <see cref="BatchMutator"/>), pipelined by the hundred per connection, some followed by a frame-level
    /// mutation that makes the broker hang up. Against the stand-alone broker process, so that its memory is measured
    /// alone and a crash would show as an exit. Afterwards: it still runs, data acknowledged before is intact, every
    /// batch it acknowledged during the attack is decoded by Confluent.Kafka, and its peak memory grew under a bound.
    /// </summary>
    [Test]
    public async Task HundredThousandMutatedProduceFrames_EveryAcknowledgedBatchDecodesAndMemoryStaysBounded()
    {
        using var broker = await BrokerProcess.StartAsync("--port", "0", "--partitions", "2");
        string intactTopic = UniqueNames.For("intact-records");
        string fuzzTopic = UniqueNames.For("fuzzed-records");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = intactTopic, NumPartitions = Partitions, ReplicationFactor = 1 },
                new TopicSpecification { Name = fuzzTopic, NumPartitions = FuzzPartitions, ReplicationFactor = 1 },
            ]);
        }
        var before = TopicContents.ProduceAcknowledged(broker.BootstrapServers, intactTopic, "intact", 0, IntactMessages);
        long baselineRss = ProcessMemory.ReadKilobytes(broker.ProcessId, "VmRSS:") * 1024;
        bool peakReset = ProcessMemory.TryResetPeak(broker.ProcessId);

        var frameTemplates = new RequestTemplates(fuzzTopic, UniqueNames.For("fuzzed-records-group")).All();
        using var limit = new CancellationTokenSource(RecordFuzzLimit);
        var elapsed = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(() => PipelineAsync(
            broker.Port(),
            new BatchMutator(fuzzTopic, FuzzPartitions, new Random(Seed + 100 + worker)),
            new FrameMutator(frameTemplates, new Random(Seed + 200 + worker)),
            new Random(Seed + 300 + worker),
            limit.Token))));
        elapsed.Stop();
        long peakRss = ProcessMemory.ReadKilobytes(broker.ProcessId, peakReset ? "VmHWM:" : "VmRSS:") * 1024;
        TestContext.Progress.WriteLine($"record fuzz: {results.Sum(r => r.Frames)} frames over {results.Sum(r => r.Connections)} connections in {elapsed.ElapsedMilliseconds} ms, "
            + $"{results.Sum(r => r.BytesReceived)} response bytes; broker RSS {baselineRss / 1048576} MiB before, {(peakReset ? "peak" : "after")} {peakRss / 1048576} MiB");

        var intactAfter = TopicContents.Read(broker.BootstrapServers, intactTopic, Partitions, IntactMessages, ReadTimeout);
        var fuzzHighWatermarks = HighWatermarks(broker.BootstrapServers, fuzzTopic, FuzzPartitions);
        var (fuzzOffsets, consumeErrors) = ReadOffsets(broker.BootstrapServers, fuzzTopic, FuzzPartitions, fuzzHighWatermarks.Sum(), ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Sum(r => r.Frames), Is.GreaterThanOrEqualTo(RecordFrames), "frames sent");
            Assert.That(broker.HasExited, Is.False, "the broker process is still running");
            Assert.That(intactAfter, Is.EqualTo(before), "data acknowledged before the attack");
            Assert.That(fuzzHighWatermarks.Sum(), Is.Positive, "some mutated or valid batches were acknowledged");
            Assert.That(consumeErrors, Is.Empty, "Confluent.Kafka decodes every acknowledged batch");
            for (int p = 0; p < FuzzPartitions; p++)
                Assert.That(fuzzOffsets[p], Is.EqualTo(Enumerable.Range(0, (int)fuzzHighWatermarks[p]).Select(o => (long)o)), $"every acknowledged offset of partition {p} is delivered, in order");
            Assert.That(peakRss - baselineRss, Is.LessThan(MaxRecordFuzzGrowthBytes), "broker memory growth during the attack");
        }
    }

    private sealed record FuzzResult(int Frames, int Connections, long BytesReceived);

    /// <summary>
    /// Sends its share of <see cref="RecordFrames"/> in pipelined bursts: a connection gets a few hundred batch frames
    /// written back to back (the broker answers them in order, drained concurrently), and sometimes one frame-level
    /// mutation last, which usually makes the broker close it. Each burst ends with a half-close and waits for the
    /// broker to answer everything before the next connection opens.
    /// </summary>
    private static async Task<FuzzResult> PipelineAsync(int port, BatchMutator batches, FrameMutator frames, Random random, CancellationToken cancellationToken)
    {
        int sent = 0, connections = 0;
        long received = 0;
        int share = RecordFrames / Workers;
        var chunk = new MemoryStream();
        while (sent < share)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            connections++;
            var drain = DrainAsync(socket, cancellationToken);
            int burst = Math.Min(share - sent, random.Next(100, 600));
            try
            {
                for (int i = 0; i < burst; i++)
                {
                    chunk.Write(batches.Next());
                    if (chunk.Length >= 32 * 1024 || i == burst - 1)
                    {
                        await socket.SendAsync(chunk.GetBuffer().AsMemory(0, (int)chunk.Length), cancellationToken);
                        chunk.SetLength(0);
                    }
                }
                sent += burst;
                if (random.Next(3) == 0)
                {
                    await socket.SendAsync(frames.Next(), cancellationToken);
                    sent++;
                }
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                // A frame-level mutation is only ever sent last, so this is the broker refusing one; count what was sent.
                sent += burst;
                chunk.SetLength(0);
            }
            try
            {
                received += await drain.WaitAsync(BurstDrainWait, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A parked request from the frame-level template (a forged long poll); the close below ends it.
            }
            socket.Close();
        }
        return new FuzzResult(sent, connections, received);
    }

    private static long[] HighWatermarks(string bootstrapServers, string topic, int partitions)
    {
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        return Enumerable.Range(0, partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value).ToArray();
    }

    /// <summary>The offsets Confluent.Kafka delivers per partition from the beginning, and every consume error it raised.</summary>
    private static (List<long>[] Offsets, List<string> Errors) ReadOffsets(string bootstrapServers, string topic, int partitions, long expected, TimeSpan timeout)
    {
        var offsets = Enumerable.Range(0, partitions).Select(_ => new List<long>()).ToArray();
        var errors = new List<string>();
        using var consumer = KafkaTestClients.BuildConsumer<byte[], byte[]>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + timeout;
        long delivered = 0;
        while (delivered < expected && DateTime.UtcNow < deadline && errors.Count < 20)
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF) continue;
                offsets[result.Partition.Value].Add(result.Offset.Value);
                delivered++;
            }
            catch (ConsumeException ex)
            {
                errors.Add($"{ex.Error.Code}: {ex.Error.Reason} at {ex.ConsumerRecord?.TopicPartitionOffset}");
            }
        }
        consumer.Close();
        return (offsets, errors);
    }

    /// <summary>
    /// Sends <see cref="FramesPerWorker"/> hostile frames in bursts, one connection per burst: a connection the
    /// broker closed (its answer to most bad frames) is replaced, and each burst ends with an abrupt close
    /// that may catch the broker mid-request. Responses are drained so the broker never blocks on writing.
    /// </summary>
    private static async Task<FuzzResult> FuzzAsync(int port, FrameMutator mutator, Random random, CancellationToken cancellationToken)
    {
        int frames = 0, connections = 0;
        long received = 0;
        while (frames < FramesPerWorker)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            connections++;
            var drain = DrainAsync(socket, cancellationToken);
            int burst = random.Next(1, MaxFramesPerConnection + 1);
            try
            {
                for (int i = 0; i < burst && frames < FramesPerWorker; i++)
                {
                    await socket.SendAsync(mutator.Next(), cancellationToken);
                    frames++;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                // The broker hung up on an earlier frame of this burst; the next burst gets a new connection.
            }
            if (random.Next(2) == 0) await HalfCloseAsync(socket, drain, cancellationToken);
            socket.Close();
            received += await drain;
        }
        return new FuzzResult(frames, connections, received);
    }

    /// <summary>
    /// Ends the burst politely: no more requests, then give the broker a moment to answer what it accepted and
    /// close its side. A request it parks (a forged long poll) makes the wait run out; the caller closes anyway.
    /// </summary>
    private static async Task HalfCloseAsync(Socket socket, Task<long> drain, CancellationToken cancellationToken)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            await drain.WaitAsync(PoliteCloseWait, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.NotConnected)
        {
            // Already closed by the broker.
        }
        catch (TimeoutException)
        {
            // A parked request; the abrupt close follows.
        }
    }

    /// <summary>Reads and discards responses until either side closes; returns the bytes read.</summary>
    private static async Task<long> DrainAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, cancellationToken);
                if (read == 0) return total;
                total += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // We closed the socket at the end of the burst, or the broker reset it: either way, done.
            return total;
        }
    }

    private static long HighWatermarkSum(string bootstrapServers, string topic)
    {
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        return Enumerable.Range(0, Partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }
}
