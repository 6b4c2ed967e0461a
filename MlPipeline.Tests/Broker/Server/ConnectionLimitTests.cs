using MlPipeline.Broker.Protocol;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Connections over max_connections (in total) or max_connections_per_ip (from one address) are closed on arrival, as
/// Kafka does; those already admitted keep being served, and a slot freed by a closed connection can be used again.
/// Other client machines are played by other loopback source addresses (127.0.0.2 reaches a broker on 127.0.0.1).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ConnectionLimitTests
{
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync(options =>
    {
        options.MaxConnections = 3;
        options.MaxConnectionsPerIp = 2;
    });

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task ConnectionsOverThePerAddressAndTotalLimits_AreClosed_AdmittedOnesServe_AndFreedSlotsAreReused()
    {
        var admitted = new List<RawKafkaConnection>();
        try
        {
            admitted.Add(await ServedConnectionAsync("127.0.0.1"));
            admitted.Add(await ServedConnectionAsync("127.0.0.1"));
            await using (var thirdFromSameAddress = await RawKafkaConnection.ConnectFromAsync(_broker.BootstrapServers, "127.0.0.1"))
                Assert.That(await thirdFromSameAddress.IsClosedByPeerAsync(), Is.True, "a third connection from 127.0.0.1 (per-address limit 2)");

            admitted.Add(await ServedConnectionAsync("127.0.0.2"));
            await using (var fourthInTotal = await RawKafkaConnection.ConnectFromAsync(_broker.BootstrapServers, "127.0.0.3"))
                Assert.That(await fourthInTotal.IsClosedByPeerAsync(), Is.True, "a fourth connection in all (total limit 3)");

            foreach (var connection in admitted)
                Assert.That(await AnswersAsync(connection), Is.True, "admitted connections keep being served");

            await admitted[0].DisposeAsync();
            admitted.RemoveAt(0);
            // The broker notices the close asynchronously; a new connection from that address fits again once it has.
            Assert.That(async () => await TryServedConnectionAsync("127.0.0.1", admitted), Is.True.After(10_000, 100));
        }
        finally
        {
            foreach (var connection in admitted) await connection.DisposeAsync();
        }
    }

    private async Task<RawKafkaConnection> ServedConnectionAsync(string localAddress)
    {
        var connection = await RawKafkaConnection.ConnectFromAsync(_broker.BootstrapServers, localAddress);
        Assert.That(await AnswersAsync(connection), Is.True, $"a connection from {localAddress} within the limits");
        return connection;
    }

    private async Task<bool> TryServedConnectionAsync(string localAddress, List<RawKafkaConnection> keep)
    {
        var connection = await RawKafkaConnection.ConnectFromAsync(_broker.BootstrapServers, localAddress);
        if (await AnswersAsync(connection))
        {
            keep.Add(connection);
            return true;
        }
        await connection.DisposeAsync();
        return false;
    }

    private static async Task<bool> AnswersAsync(RawKafkaConnection connection)
    {
        try
        {
            int sent = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
            return (await connection.ReceiveAsync()).CorrelationId == sent;
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
