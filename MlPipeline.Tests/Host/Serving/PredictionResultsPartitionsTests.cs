using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>The HTTP side's results reader keeps up with the results topic growing while it runs.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionResultsPartitionsTests
{
    [Test]
    public async Task ResultWrittenToAPartitionAddedAfterStart_ReachesTheWaitingCaller()
    {
        // A broker of the test's own that never auto-creates, so the results topic only changes when the test says so.
        await using var broker = await EmbeddedBrokerFixture.StartAsync(options => options.AutoCreateTopics = false);
        await using var host = await PipelineHostRunner.StartAsync(
            $"kafka:\n  bootstrap_servers: \"{broker.BootstrapServers}\"\nbroker:\n  mode: external\n  startup_timeout_seconds: 5\n");
        Assert.That(() => host.Service<PredictionResultsListener>().IsReady, Is.True.After(20_000, 100));
        var topic = host.Service<PipelineConfig>().Topics.PredictionResultsTopic;

        // Grown in place (CreatePartitions), as an operator would with kafka-topics --alter: the reader already runs
        // against the topic and must find the extra partition by re-reading its metadata.
        int addedPartition;
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            addedPartition = (await Task.Run(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(5)))).Topics.Single().Partitions.Count;
            await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = addedPartition + 1 }]);
        }

        var cache = host.Service<PredictionResultCache>();
        var factory = host.Service<KafkaMessageFactory>();
        var request = factory.Create(MessageType.PredictionRequest, "api", []);
        cache.Register(request.MessageId);
        var waiting = cache.WaitAsync(request.MessageId, TimeSpan.FromSeconds(30), CancellationToken.None);

        // Written straight to the new partition, as a serving node whose producer already knows the new count would.
        var reply = factory.CreateReply(
            request, MessageType.PredictionResult, "serving", new PredictionResult(PredictionResult.Ok, 42.5, "sales", 1, null, null).ToJson());
        using (var producer = KafkaTestClients.BuildProducer<string, byte[]>(KafkaTestClients.ProducerConfig(broker.BootstrapServers)))
        {
            await producer.ProduceAsync(new TopicPartition(topic, addedPartition), new Message<string, byte[]>
            {
                Key = request.MessageId,
                Value = new KafkaMessageSerializer().Serialize(reply),
                Headers = new Headers { { KafkaHeaderNames.CorrelationId, Encoding.UTF8.GetBytes(request.MessageId) } },
            });
        }

        var result = await waiting;
        Assert.That(result?.Prediction, Is.EqualTo(42.5), "the reader picked up the added partition and completed the pending request");
    }
}
