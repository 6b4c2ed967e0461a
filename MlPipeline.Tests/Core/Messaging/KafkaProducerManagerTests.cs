using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaProducerManagerTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly KafkaMessageFactory factory = new(TimeProvider.System);
    private readonly KafkaMessageSerializer serializer = new();
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    private KafkaProducerManager CreateProducer(MessagingTestBroker on, Action<ProducerConfig>? configure = null)
    {
        var config = on.ProducerConfig();
        configure?.Invoke(config);
        return new KafkaProducerManager(config, serializer, TimeProvider.System, on.LoggerFactory.CreateLogger<KafkaProducerManager>());
    }

    [Test]
    public async Task SendAsync_Delivered_RecordCarriesEnvelopeKeyAndRoutingHeaders()
    {
        var topic = MessagingTestBroker.UniqueName("produce");
        await broker.CreateTopicsAsync(topic);
        await using var producer = CreateProducer(broker);
        var message = factory.Create(
            MessageType.PredictionRequest,
            "api",
            new JsonObject { ["age"] = 42 },
            new EnvelopeMetadata { CorrelationId = "corr-1" });

        var delivery = await producer.SendAsync(topic, message, "key-1", CancellationToken.None);
        var records = await broker.ReadPartitionZeroAsync(topic, 1, ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(delivery.Offset.Value, Is.Zero);
            Assert.That(records, Has.Count.EqualTo(1));
            var record = records[0].Message;
            Assert.That(Encoding.UTF8.GetString(record.Key!), Is.EqualTo("key-1"));
            Assert.That(serializer.Deserialize(record.Value).MessageId, Is.EqualTo(message.MessageId));
            Assert.That(Encoding.UTF8.GetString(record.Headers.GetLastBytes(KafkaHeaderNames.MessageType)), Is.EqualTo("prediction_request"));
            Assert.That(Encoding.UTF8.GetString(record.Headers.GetLastBytes(KafkaHeaderNames.CorrelationId)), Is.EqualTo("corr-1"));
        }
    }

    [Test]
    public async Task Send_AfterDispose_ThrowsObjectDisposedInsteadOfTouchingTheClosedClient()
    {
        // The host closes the producer before the broker stops; a late send (e.g. a result retry) must not reach the
        // destroyed librdkafka handle, which corrupts native memory and kills the process.
        var producer = CreateProducer(broker);
        await producer.DisposeAsync();
        var topic = MessagingTestBroker.UniqueName("closed");
        var message = factory.Create(MessageType.RawData, "ingest", []);

        using (Assert.EnterMultipleScope())
        {
            Assert.ThrowsAsync<ObjectDisposedException>(() => producer.SendAsync(topic, message, "k", CancellationToken.None));
            Assert.ThrowsAsync<ObjectDisposedException>(() => producer.SendBatchAsync(topic, [("k", message)], CancellationToken.None));
            Assert.ThrowsAsync<ObjectDisposedException>(() => producer.SendRawAsync(topic, null, [1], [], CancellationToken.None));
            Assert.Throws<ObjectDisposedException>(() => producer.Flush(TimeSpan.Zero));
        }
    }

    [Test]
    public async Task SendAsync_TopicMissingAndAutoCreateDisabled_ThrowsDeliveryExceptionWithReason()
    {
        await using var strictBroker = await MessagingTestBroker.StartAsync(autoCreateTopics: false);
        await using var producer = CreateProducer(strictBroker, config =>
        {
            // Without these librdkafka waits 30 s for the topic to appear before giving up.
            config.TopicMetadataPropagationMaxMs = 500;
            config.MessageTimeoutMs = 3_000;
        });
        var topic = MessagingTestBroker.UniqueName("missing");

        var failure = Assert.ThrowsAsync<MessageDeliveryException>(
            () => producer.SendAsync(topic, factory.Create(MessageType.RawData, "ingest", []), "k", CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Topic, Is.EqualTo(topic));
            Assert.That(failure.Key, Is.EqualTo("k"));
            Assert.That(failure.ErrorCode, Is.AnyOf(ErrorCode.Local_UnknownTopic, ErrorCode.UnknownTopicOrPart, ErrorCode.Local_MsgTimedOut));
            Assert.That(failure.Reason, Is.Not.Empty);
            Assert.That(failure.Message, Does.Contain(topic));
        }
    }

    [Test]
    public async Task SendAsync_MessageLargerThanMaxSize_ThrowsDeliveryExceptionWithReason()
    {
        var topic = MessagingTestBroker.UniqueName("oversized");
        await using var producer = CreateProducer(broker, config => config.MessageMaxBytes = 2_000);
        var tooLarge = factory.Create(MessageType.RawData, "ingest", new JsonObject { ["blob"] = new string('x', 5_000) });

        var failure = Assert.ThrowsAsync<MessageDeliveryException>(
            () => producer.SendAsync(topic, tooLarge, null, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.ErrorCode, Is.EqualTo(ErrorCode.MsgSizeTooLarge));
            Assert.That(failure.Reason, Does.Contain("too large").IgnoreCase);
        }
    }

    [Test]
    public async Task SendBatchAsync_OneMessageFails_ReportsEachMessageAndDeliversTheOthers()
    {
        var topic = MessagingTestBroker.UniqueName("batch");
        await broker.CreateTopicsAsync(topic);
        await using var producer = CreateProducer(broker, config => config.MessageMaxBytes = 2_000);
        var batch = Enumerable.Range(0, 5)
            .Select(index => ((string?)$"k{index}", factory.Create(
                MessageType.RawData,
                "ingest",
                new JsonObject { ["blob"] = new string('x', index == 2 ? 5_000 : 10) })))
            .ToList();

        var results = await producer.SendBatchAsync(topic, batch, CancellationToken.None);
        var stored = await broker.ReadPartitionZeroAsync(topic, 4, ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Select(result => result.Index), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
            Assert.That(results.Select(result => result.MessageId), Is.EqualTo(batch.Select(item => item.Item2.MessageId)));
            Assert.That(results.Select(result => result.Succeeded), Is.EqualTo(new[] { true, true, false, true, true }));
            Assert.That(results[2].Error!.Code, Is.EqualTo(ErrorCode.MsgSizeTooLarge));
            Assert.That(results.Where(result => result.Succeeded).Select(result => result.Position!.Offset.Value), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
            Assert.That(stored.Select(record => Encoding.UTF8.GetString(record.Message.Key!)), Is.EqualTo(new[] { "k0", "k1", "k3", "k4" }));
        }
    }
}
