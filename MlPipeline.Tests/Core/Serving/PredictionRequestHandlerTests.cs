using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Serving;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

/// <summary>One request in, one correlated result out on a real broker, and every observer told.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionRequestHandlerTests
{
    private ServingModelFixture models = null!;
    private EmbeddedBrokerFixture broker = null!;
    private TemporaryDirectory directory = null!;
    private ServingModelRegistry registry = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        models = new ServingModelFixture();
        broker = await EmbeddedBrokerFixture.StartAsync();
        directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        await store.PromoteAsync("m", 2, CancellationToken.None);
        registry = ServingModelFixture.Registry(store);
        await registry.LoadAllAsync(CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        registry.Dispose();
        directory.Dispose();
        await broker.DisposeAsync();
    }

    [Test]
    public async Task HandleAsync_PublishesOneCorrelatedResultAndTellsEveryObserver()
    {
        var topic = UniqueNames.For("results");
        var observers = new[] { new RecordingObserver(), new RecordingObserver() };
        await using var producer = new KafkaProducerManager(
            KafkaTestClients.ProducerConfig(broker.BootstrapServers), new KafkaMessageSerializer(), TimeProvider.System,
            NullLogger<KafkaProducerManager>.Instance);
        using var publisher = new PredictionResultPublisher(
            producer,
            new PredictionResultPublisherOptions(topic, MaxInFlight: 4, MaxRetries: 0, TimeSpan.Zero),
            new PredictionResultCache(10, TimeSpan.FromMinutes(1), TimeProvider.System),
            TimeProvider.System,
            NullLogger<PredictionResultPublisher>.Instance);
        var handler = new PredictionRequestHandler(
            new PredictionEvaluator(registry, "m"), publisher, new KafkaMessageFactory(TimeProvider.System),
            [observers[0], new ThrowingObserver(), observers[1]], TimeProvider.System, NullLogger<PredictionRequestHandler>.Instance);
        var request = new KafkaMessageFactory(TimeProvider.System).Create(
            MessageType.PredictionRequest, "test", new JsonObject { ["features"] = new JsonArray(models.Row(0).Select(v => JsonValue.Create((string)v!)).ToArray<JsonNode?>()) });

        await handler.HandleAsync(Consumed(request), CancellationToken.None);
        await publisher.DrainAsync(CancellationToken.None);

        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(broker.BootstrapServers));
        consumer.Subscribe(topic);
        var record = consumer.Consume(TimeSpan.FromSeconds(20));
        var result = JsonNode.Parse(record!.Message.Value)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(record.Message.Key, Is.EqualTo(request.MessageId));
            Assert.That(Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes(KafkaHeaderNames.CorrelationId)), Is.EqualTo(request.MessageId));
            Assert.That(result["metadata"]!["correlation_id"]!.GetValue<string>(), Is.EqualTo(request.MessageId));
            Assert.That(result["metadata"]!["model_version"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(result["data"]!["status"]!.GetValue<string>(), Is.EqualTo("ok"));
            Assert.That(observers.Select(o => o.Observations.Count), Is.All.EqualTo(1), "a failing observer does not stop the others");
            Assert.That(observers[0].Observations.Single().ModelVersion, Is.EqualTo(2));
            Assert.That(observers[0].Observations.Single().Features.Keys, Is.EquivalentTo(new[] { "x1", "x2", "category", "when" }));
        }
    }

    private static ConsumedMessage Consumed(KafkaMessage request) =>
        new(
            new ConsumeResult<byte[]?, byte[]?>
            {
                Message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(request.MessageId), Value = new KafkaMessageSerializer().Serialize(request), Headers = [] },
                TopicPartitionOffset = new TopicPartitionOffset("requests", 0, 0),
            },
            request);

    private sealed class RecordingObserver : IPredictionObserver
    {
        public ConcurrentQueue<PredictionObservation> Observations { get; } = new();

        public void OnPrediction(PredictionObservation observation) => Observations.Enqueue(observation);
    }

    private sealed class ThrowingObserver : IPredictionObserver
    {
        public void OnPrediction(PredictionObservation observation) => throw new InvalidOperationException("monitoring is broken");
    }
}
