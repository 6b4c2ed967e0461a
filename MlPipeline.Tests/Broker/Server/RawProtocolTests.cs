using MlPipeline.Broker.Protocol;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>Wire-level behaviour no well-behaved client exercises: the ApiVersions probe and hostile frames.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RawProtocolTests
{
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync(options => options.MaxRequestBytes = 1024 * 1024);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task ApiVersionsV3Probe_GetsV0LayoutUnsupportedVersionReply()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        int correlationId = await connection.SendAsync((short)ApiKey.ApiVersions, 3, body =>
        {
            body.WriteUnsignedVarInt(8); // client_software_name "librdkafka" as a compact string (length + 1)
            body.WriteRaw("librdka"u8);
            body.WriteUnsignedVarInt(6);
            body.WriteRaw("2.16."u8);
            body.WriteEmptyTaggedFields();
        }, headerV2: true);

        var (responseCorrelationId, body) = await connection.ReceiveAsync();

        // error 35, one entry {18, 0, 2}, nothing else (no throttle time, no tagged fields).
        byte[] expected = [0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(responseCorrelationId, Is.EqualTo(correlationId));
            Assert.That(body, Is.EqualTo(expected));
        }
    }

    [Test]
    public async Task ApiVersionsV2_AdvertisesEveryImplementedApiWithinItsNonFlexibleRange()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.ApiVersions, 2, _ => { });

        var (_, body) = await connection.ReceiveAsync();

        var advertised = ReadApiVersions(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(advertised[ApiKey.Produce], Is.EqualTo((3, 8)));
            Assert.That(advertised[ApiKey.Fetch], Is.EqualTo((4, 11)));
            Assert.That(advertised[ApiKey.Metadata], Is.EqualTo((0, 8)));
            Assert.That(advertised[ApiKey.ApiVersions], Is.EqualTo((0, 2)));
            Assert.That(advertised[ApiKey.InitProducerId], Is.EqualTo((0, 1)));
            Assert.That(advertised.Keys, Is.EquivalentTo(Enum.GetValues<ApiKey>()), "exactly the implemented APIs");
        }
    }

    [Test]
    public async Task UnknownApiKey_ClosesOnlyThatConnection()
    {
        await using var bystander = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await using var offender = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await offender.SendAsync(68, 0, _ => { }); // ConsumerGroupHeartbeat: not implemented

        Assert.That(await offender.IsClosedByPeerAsync(), Is.True);
        await AssertStillServesAsync(bystander);
    }

    [Test]
    public async Task UnsupportedVersionOfKnownApi_ClosesThatConnection()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.Fetch, 12, _ => { });

        Assert.That(await connection.IsClosedByPeerAsync(), Is.True);
    }

    [TestCase(2 * 1024 * 1024)]
    [TestCase(0)]
    [TestCase(-5)]
    public async Task FrameSizeOutsideLimits_ClosesOnlyThatConnection(int size)
    {
        await using var bystander = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await using var offender = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        var prefix = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, size);

        await offender.SendRawAsync(prefix);

        Assert.That(await offender.IsClosedByPeerAsync(), Is.True);
        await AssertStillServesAsync(bystander);
    }

    [Test]
    public async Task TruncatedRequestBody_ClosesOnlyThatConnection()
    {
        await using var bystander = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await using var offender = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await offender.SendAsync((short)ApiKey.Metadata, 1, body => body.WriteInt32(1_000)); // claims 1000 topics, has none

        Assert.That(await offender.IsClosedByPeerAsync(), Is.True);
        await AssertStillServesAsync(bystander);
    }

    [Test]
    public async Task PipelinedRequests_AreAnsweredInRequestOrder()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        var sent = new List<int>();
        for (int i = 0; i < 10; i++)
            sent.Add(await connection.SendAsync((short)(i % 2 == 0 ? ApiKey.ApiVersions : ApiKey.Metadata), 1,
                body => { if (i % 2 == 1) body.WriteArrayCount(0); }));

        var received = new List<int>();
        for (int i = 0; i < sent.Count; i++) received.Add((await connection.ReceiveAsync()).CorrelationId);

        Assert.That(received, Is.EqualTo(sent));
    }

    private static async Task AssertStillServesAsync(RawKafkaConnection connection)
    {
        int correlationId = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (responseCorrelationId, body) = await connection.ReceiveAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(responseCorrelationId, Is.EqualTo(correlationId));
            Assert.That(body[..2], Is.EqualTo(new byte[] { 0, 0 }), "error code NONE");
        }
    }

    private static Dictionary<ApiKey, (short Min, short Max)> ReadApiVersions(byte[] body)
    {
        var reader = new KafkaReader(body);
        Assert.That(reader.ReadInt16(), Is.Zero, "error code");
        int count = reader.ReadInt32();
        var result = new Dictionary<ApiKey, (short, short)>();
        for (int i = 0; i < count; i++) result[(ApiKey)reader.ReadInt16()] = (reader.ReadInt16(), reader.ReadInt16());
        return result;
    }
}
