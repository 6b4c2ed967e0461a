using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

/// <summary>Result delivery when the results topic is not there: on a broker that never auto-creates topics.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionResultPublisherTests
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    private EmbeddedBrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await EmbeddedBrokerFixture.StartAsync(options => options.AutoCreateTopics = false);

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task FirstDeliveryFails_LocalCallerAnsweredAtOnce_ThenARetryDeliversOnceTheTopicExists()
    {
        var topic = UniqueNames.For("results");
        var time = new FakeTimeProvider();
        var cache = new PredictionResultCache(10, TimeSpan.FromHours(1), time);
        var observer = new RecordingDeliveryObserver();
        await using var producer = CreateProducer();
        using var publisher = new PredictionResultPublisher(
            producer, new PredictionResultPublisherOptions(topic, 4, MaxRetries: 10, RetryDelay), cache, time,
            NullLogger<PredictionResultPublisher>.Instance, observer);
        var (requestId, reply) = AResult();
        cache.Register(requestId);

        await publisher.PublishAsync(reply, CancellationToken.None);

        // The clock stands still, so no retry has run yet: the caller got its answer from the first failure alone.
        Assert.That(() => cache.Get(requestId).Result?.Prediction, Is.EqualTo(12.5).After(15_000, 50));
        Assert.That(observer.Failures, Has.Count.EqualTo(1));

        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        // Each poll moves the clock past the next backoff delay, so the pending retry runs.
        Assert.That(
            () =>
            {
                time.Advance(RetryDelay * 8);
                return observer.DeliveredAfterRetry.Count;
            },
            Is.EqualTo(1).After(15_000, 100));
        await publisher.DrainAsync(CancellationToken.None);
        Assert.That(observer.Undelivered, Is.Empty);
    }

    [Test]
    public async Task EveryAttemptFails_ForARequestIssuedElsewhere_ReportedUndeliveredAndNotAnsweredLocally()
    {
        var topic = UniqueNames.For("absent-results");
        var cache = new PredictionResultCache(10, TimeSpan.FromHours(1), TimeProvider.System);
        var observer = new RecordingDeliveryObserver();
        await using var producer = CreateProducer();
        using var publisher = new PredictionResultPublisher(
            producer, new PredictionResultPublisherOptions(topic, 4, MaxRetries: 1, TimeSpan.Zero), cache, TimeProvider.System,
            NullLogger<PredictionResultPublisher>.Instance, observer);
        var (requestId, reply) = AResult();

        await publisher.PublishAsync(reply, CancellationToken.None);
        await publisher.DrainAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(observer.Failures, Has.Count.EqualTo(2), "the first attempt and one retry");
            Assert.That(observer.Undelivered, Is.EqualTo(new[] { (requestId, false) }));
            Assert.That(cache.Get(requestId).State, Is.EqualTo(PredictionLookupState.Unknown));
        }
    }

    [Test]
    public async Task ProducerClosedWhileARetryWaits_ResultReportedUndelivered()
    {
        // What a host stop that outlived its timeout does: KafkaClientShutdownService closes the producer while a result
        // still waits for its retry. The retry's send then fails with something other than a delivery error, and the
        // fire-and-forget delivery must still report it rather than fault unobserved.
        var topic = UniqueNames.For("closed-results");
        var time = new FakeTimeProvider();
        var cache = new PredictionResultCache(10, TimeSpan.FromHours(1), time);
        var observer = new RecordingDeliveryObserver();
        var producer = CreateProducer();
        using var publisher = new PredictionResultPublisher(
            producer, new PredictionResultPublisherOptions(topic, 4, MaxRetries: 3, RetryDelay), cache, time,
            NullLogger<PredictionResultPublisher>.Instance, observer);
        var (requestId, reply) = AResult();

        await publisher.PublishAsync(reply, CancellationToken.None);
        Assert.That(() => observer.Failures.Count, Is.EqualTo(1).After(15_000, 50));
        await producer.DisposeAsync();

        Assert.That(
            () =>
            {
                time.Advance(RetryDelay * 8);
                return observer.Undelivered.ToArray();
            },
            Is.EqualTo(new[] { (requestId, false) }).After(15_000, 100));
    }

    // A send to a missing topic fails after 200 ms instead of librdkafka's 30 s.
    private KafkaProducerManager CreateProducer()
    {
        var config = KafkaTestClients.ProducerConfig(broker.BootstrapServers);
        config.TopicMetadataPropagationMaxMs = 200;
        config.MessageTimeoutMs = 5_000;
        return new KafkaProducerManager(config, new KafkaMessageSerializer(), TimeProvider.System, NullLogger<KafkaProducerManager>.Instance);
    }

    private static (string RequestId, KafkaMessage Reply) AResult()
    {
        var factory = new KafkaMessageFactory(TimeProvider.System);
        var request = factory.Create(MessageType.PredictionRequest, "api", []);
        var reply = factory.CreateReply(
            request, MessageType.PredictionResult, "serving", new PredictionResult(PredictionResult.Ok, 12.5, "sales", 1, null, null).ToJson());
        return (request.MessageId, reply);
    }

    private sealed class RecordingDeliveryObserver : IPredictionResultDeliveryObserver
    {
        public ConcurrentQueue<(string? RequestId, int Attempt)> Failures { get; } = new();

        public ConcurrentQueue<string?> DeliveredAfterRetry { get; } = new();

        public ConcurrentQueue<(string? RequestId, bool AnsweredLocally)> Undelivered { get; } = new();

        public void OnAttemptFailed(string? requestId, int attempt, string reason) => Failures.Enqueue((requestId, attempt));

        public void OnDeliveredAfterRetry(string? requestId, int attempts) => DeliveredAfterRetry.Enqueue(requestId);

        public void OnUndelivered(string? requestId, string reason, bool answeredLocally) => Undelivered.Enqueue((requestId, answeredLocally));
    }
}
