using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;
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

    private sealed record FuzzResult(int Frames, int Connections, long BytesReceived);

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
