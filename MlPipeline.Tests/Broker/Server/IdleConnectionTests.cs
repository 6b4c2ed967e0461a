using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// connections.max.idle.ms: a connection that says nothing for longer than the limit is closed; one with a
/// request in flight (a long-polling Fetch parked longer than the limit) is not.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class IdleConnectionTests
{
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync(options => options.ConnectionsMaxIdle = MaxIdle);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task ClientThatSaysNothing_IsClosedAfterTheIdleLimit()
    {
        await using var silent = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        Assert.That(await silent.IsClosedByPeerAsync(), Is.True);
    }

    [Test]
    public async Task FetchParkedLongerThanTheIdleLimit_IsAnsweredAndTheConnectionStaysOpen()
    {
        string topic = UniqueNames.For("idle");
        var topics = _broker.Server.Services.GetRequiredService<TopicRegistry>();
        Assert.That(topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(ErrorCode.None));
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        // An empty partition and min_bytes 1: the broker holds the fetch for max_wait_ms (2.5 × the idle limit).
        int fetch = await connection.SendAsync((short)ApiKey.Fetch, 4, body => WriteFetch(body, topic, maxWaitMs: (int)(MaxIdle.TotalMilliseconds * 2.5)));
        var (fetchAnswer, _) = await connection.ReceiveAsync();
        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetchAnswer, Is.EqualTo(fetch));
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection still serves after the long poll");
        }
    }

    [Test]
    public void AnyAddressWithoutAllowingUnauthenticatedRemote_IsRefusedAtStart()
    {
        var options = new BrokerOptions { Host = "0.0.0.0", Port = 0 };

        Assert.That(async () => await BrokerServer.StartAsync(options),
            Throws.ArgumentException.With.Message.Contains("can be reached from other machines").And.Message.Contains("AllowUnauthenticatedRemote"));
    }

    [Test]
    public void ZeroIdleLimit_IsRefusedAtStart()
    {
        var options = new BrokerOptions { Host = "127.0.0.1", Port = 0, ConnectionsMaxIdle = TimeSpan.Zero };

        Assert.That(async () => await BrokerServer.StartAsync(options), Throws.ArgumentException.With.Message.Contains("ConnectionsMaxIdle"));
    }

    private static void WriteFetch(KafkaWriter body, string topic, int maxWaitMs)
    {
        body.WriteInt32(-1); // replica_id
        body.WriteInt32(maxWaitMs);
        body.WriteInt32(1); // min_bytes
        body.WriteInt32(1024 * 1024); // max_bytes
        body.WriteInt8(0); // isolation_level
        body.WriteArrayCount(1);
        body.WriteString(topic);
        body.WriteArrayCount(1);
        body.WriteInt32(0); // partition
        body.WriteInt64(0); // fetch_offset
        body.WriteInt32(1024 * 1024); // partition_max_bytes
    }
}
