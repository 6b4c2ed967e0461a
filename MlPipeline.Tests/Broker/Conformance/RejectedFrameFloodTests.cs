using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// A client that sends garbage, reconnecting after every frame the broker rejects, must not flood the broker's
/// log: a thousand rejected frames cost a bounded number of warnings, and real clients are served meanwhile.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RejectedFrameFloodTests
{
    private const int GarbageFrames = 1_000;
    private const int Workers = 4;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);

    [Test]
    public async Task ThousandGarbageFrames_BoundedWarnings_AndARealClientIsStillServed()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        await using var broker = await BrokerServer.StartAsync(new BrokerOptions { Host = "127.0.0.1", Port = 0, MaxRequestBytes = 1024 * 1024 }, loggerFactory);

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(() => SendGarbageAsync(broker.Port, worker, GarbageFrames / Workers))));
        string topic = UniqueNames.For("after-garbage");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        var produced = TopicContents.ProduceAcknowledged(broker.BootstrapServers, topic, "real", 0, 20);
        var consumed = TopicContents.Read(broker.BootstrapServers, topic, 1, produced.Count, ReadTimeout);

        var fromConnections = logs.Entries.Where(e => e.Category.EndsWith(nameof(BrokerConnection), StringComparison.Ordinal)).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromConnections.Count(e => e.Message.StartsWith("Closing connection", StringComparison.Ordinal)),
                Is.EqualTo(GarbageFrames), "every garbage frame was rejected (and logged at some level)");
            Assert.That(logs.AtLeast(LogLevel.Warning).Count(), Is.InRange(1, 2), "one warning, plus a summary if a minute passed");
            Assert.That(consumed, Is.EqualTo(produced), "a real client produces and consumes");
        }
    }

    /// <summary>
    /// Each frame on its own connection, because the broker closes the connection at the first bad frame; the
    /// worker waits for that close, so every frame has been judged by the time this returns.
    /// </summary>
    private static async Task SendGarbageAsync(int port, int worker, int frames)
    {
        var random = new Random(20_261_125 + worker);
        for (int i = 0; i < frames; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await socket.SendAsync(AGarbageFrame(random, i % 3));
            using var timeout = new CancellationTokenSource(ReadTimeout);
            Assert.That(await socket.ReceiveAsync(new byte[64], timeout.Token), Is.Zero, "the broker closes the connection");
        }
    }

    /// <summary>A bad size prefix, an unknown API key, or a request whose body is random bytes.</summary>
    private static byte[] AGarbageFrame(Random random, int kind)
    {
        if (kind == 0) return [0xFF, 0xFF, 0xFF, 0xF0]; // negative size
        var frame = new byte[4 + 8 + 2 + 64];
        random.NextBytes(frame);
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        // Unknown API key 0x7F00+, or Metadata v1 with a random (almost surely undecodable) body after a null client id.
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), kind == 1 ? (short)(0x7F00 + random.Next(255)) : (short)ApiKey.Metadata);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), 1);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), -1);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(14), 0x7FFF_0000); // topic count far beyond the frame
        return frame;
    }
}
