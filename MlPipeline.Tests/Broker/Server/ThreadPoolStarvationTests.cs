using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Issue 22: the embedded broker shares a process with the pipeline. When batch work floods the thread pool (an
/// upload's delivery continuations), a broker that needs pool threads for its sockets stops answering, and every
/// client of the host stalls with it. The broker must answer from threads of its own.
/// </summary>
[NonParallelizable] // floods this process's thread pool for a few seconds
public sealed class ThreadPoolStarvationTests
{
    // Far more blocked work items than the pool adds threads in the test's time (about two a second when starved).
    private const int BlockedWorkItems = 400;
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(10);

    [Test]
    public void Metadata_ThreadPoolFloodedWithBlockedWork_BrokerAnswersOldAndNewConnections()
    {
        var broker = EmbeddedBrokerFixture.StartAsync().GetAwaiter().GetResult();
        try
        {
            var config = new AdminClientConfig { BootstrapServers = broker.BootstrapServers, SocketConnectionSetupTimeoutMs = 10_000 };
            using var warm = new AdminClientBuilder(config).Build();
            Assert.That(warm.GetMetadata(AnswerWithin).Brokers, Has.Count.EqualTo(1), "before the flood");

            using var release = new ManualResetEventSlim();
            for (int i = 0; i < BlockedWorkItems; i++)
                ThreadPool.UnsafeQueueUserWorkItem(static gate => gate.Wait(), release, preferLocal: false);
            try
            {
                // librdkafka's own threads do the network work; this test thread only waits, so nothing here needs the pool.
                int warmBrokers = OnOwnThread(() => warm.GetMetadata(AnswerWithin).Brokers.Count);
                int freshBrokers = OnOwnThread(() =>
                {
                    using var fresh = new AdminClientBuilder(config).Build();
                    return fresh.GetMetadata(AnswerWithin).Brokers.Count;
                });
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(warmBrokers, Is.EqualTo(1), "an open connection is served while the pool is flooded");
                    Assert.That(freshBrokers, Is.EqualTo(1), "a new connection is accepted and served while the pool is flooded");
                }
            }
            finally
            {
                release.Set();
            }
        }
        finally
        {
            broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <returns>The call's result, or -1 when it threw (a metadata timeout: the broker did not answer).</returns>
    private static int OnOwnThread(Func<int> call)
    {
        int result = -1;
        var thread = new Thread(() =>
        {
            try
            {
                result = call();
            }
            catch (KafkaException)
            {
                result = -1;
            }
        }) { IsBackground = true };
        thread.Start();
        Assert.That(thread.Join(AnswerWithin + TimeSpan.FromSeconds(5)), Is.True, "the metadata call returned");
        return result;
    }
}
