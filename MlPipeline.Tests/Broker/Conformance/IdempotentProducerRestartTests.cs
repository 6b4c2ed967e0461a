using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// The real (librdkafka) idempotent producer against a file-store broker that was restarted: the rebuilt
/// producer state and the re-seeded producer ids must not get in the way of a new producer, and nothing is
/// lost or doubled.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class IdempotentProducerRestartTests
{
    private const int MessagesPerRun = 60;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    [Test]
    public async Task IdempotentProducerAfterRestart_AppendsAfterTheRecoveredMessages_EveryMessageReadBackOnce()
    {
        using var dataDirectory = new TemporaryDirectory("idempotent-restart");
        string topic = UniqueNames.For("idempotent-restart");

        List<StoredMessage> beforeRestart;
        await using (var broker = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path))
        {
            using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
            beforeRestart = TopicContents.ProduceAcknowledged(broker.BootstrapServers, topic, "before", 0, MessagesPerRun);
        }

        await using var restarted = await EmbeddedBrokerFixture.StartAsync(o => o.DataDirectory = dataDirectory.Path);
        var afterRestart = TopicContents.ProduceAcknowledged(restarted.BootstrapServers, topic, "after", 0, MessagesPerRun);
        var everything = TopicContents.Read(restarted.BootstrapServers, topic, 1, 2 * MessagesPerRun, ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterRestart.Select(m => m.Offset), Is.EqualTo(Enumerable.Range(MessagesPerRun, MessagesPerRun).Select(o => (long)o)), "offsets after the restart");
            Assert.That(everything, Is.EqualTo(beforeRestart.Concat(afterRestart)), "the whole log");
        }
    }
}
