using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Storage;
using MlPipeline.Host.Hosting;
using MlPipeline.Tests.Broker.Conformance;
using MlPipeline.Tests.Broker.Storage;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Monitoring;

/// <summary>
/// Disk-full honesty on the host side: while the embedded broker's appends fail (a fault-injecting store under the
/// real broker: produce is answered KAFKA_STORAGE_ERROR), the host raises a <c>broker_storage</c> alert that
/// /api/status shows; once space returns the producer's retries land, the alert resolves, and every message the broker
/// acknowledged is there exactly once, in order.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class BrokerStorageAlertTests
{
    [Test]
    public async Task DiskFullThenSpaceReturns_AlertFiresAndResolves_NothingAcknowledgedIsLost()
    {
        var disk = new FaultyDiskLogStore();
        await using var host = await PipelineHostRunner.StartAsync(
            "monitoring:\n  health_check_interval_seconds: 1\n  metrics_interval_seconds: 1\n",
            configureEmbeddedBroker: services => services.AddSingleton<ILogStore>(disk));
        var bootstrap = host.Service<KafkaEndpoint>().BootstrapServers;
        var topic = UniqueNames.For("disk-full");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(bootstrap)))
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        var config = KafkaTestClients.ProducerConfig(bootstrap);
        config.MessageTimeoutMs = 120_000;
        using var producer = KafkaTestClients.BuildProducer<string, string>(config);
        var before = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Produce(producer, topic, $"before-{i}")));
        Assert.That(await OpenStorageAlertsAsync(host), Is.Empty, "no alert while the disk works");

        disk.FailAppends(topic, 0);
        var duringFault = Enumerable.Range(0, 30).Select(i => Produce(producer, topic, $"during-{i}")).ToArray();
        Assert.That(() => disk.FailedAppends, Is.GreaterThan(0).After(15_000, 50), "produce was answered KAFKA_STORAGE_ERROR");
        Assert.That(async () => await OpenStorageAlertsAsync(host), Has.Some.Contains($"{topic}-0").And.Some.Contains("KAFKA_STORAGE_ERROR").After(20_000, 250),
            "/api/status shows the alert while appends fail");
        Assert.That(duringFault.Where(t => t.IsCompletedSuccessfully), Is.Empty, "nothing is acknowledged while the disk is full");

        disk.Heal(topic, 0);
        var after = await Task.WhenAll(duringFault).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(async () => await OpenStorageAlertsAsync(host), Is.Empty.After(20_000, 250), "resolved once appends succeed");
        var recent = (await host.Client.GetFromJsonAsync<JsonElement>("/api/alerts")).GetProperty("recent").EnumerateArray()
            .Where(alert => alert.GetProperty("rule").GetString() == "broker_storage").Select(alert => alert.GetProperty("status").GetString()).ToArray();
        var stored = TopicContents.Read(bootstrap, topic, 1, 50, TimeSpan.FromSeconds(20));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recent, Does.Contain("resolved").And.Contain("firing"), "the alert's events on /api/alerts");
            Assert.That(stored.Select(m => m.Value), Is.EqualTo(before.Concat(after).Select(r => r.Message.Value)),
                "every acknowledged message once, in the order sent");
            Assert.That(stored.Select(m => m.Offset), Is.EqualTo(Enumerable.Range(0, 50).Select(o => (long)o)));
        }
    }

    private static Task<DeliveryResult<string, string>> Produce(IProducer<string, string> producer, string topic, string value) =>
        producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "k", Value = value });

    /// <summary>Messages of the open broker_storage alerts that /api/status lists.</summary>
    private static async Task<string[]> OpenStorageAlertsAsync(PipelineHostRunner host)
    {
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/api/status");
        return status.GetProperty("alerts").EnumerateArray()
            .Where(alert => alert.GetProperty("rule").GetString() == "broker_storage")
            .Select(alert => alert.GetProperty("message").GetString()!)
            .ToArray();
    }
}
