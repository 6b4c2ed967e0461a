using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Messaging.Reading;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging.Reading;

[Parallelizable(ParallelScope.All)]
public sealed class TopicTailReaderTests
{
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync(autoCreateTopics: false);

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task StartWithRetry_TopicMissing_RetriesOnTheInjectedClock_AndReadsOnceTheTopicExists()
    {
        var topic = MessagingTestBroker.UniqueName("tail");
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new LogSignalProvider("could not start");
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(signal).AddProvider(new NUnitProgressLoggerProvider()));
        var logger = loggerFactory.CreateLogger<TopicTailReaderTests>();
        var received = new ConcurrentQueue<string>();
        var attempts = 0;
        TopicTailReader Create()
        {
            Interlocked.Increment(ref attempts);
            // librdkafka wants a group id even though the reader assigns partitions itself and never joins it.
            var config = new ConsumerConfig(broker.ConsumerConfig()) { GroupId = MessagingTestBroker.UniqueName("tail-unused") };
            return new TopicTailReader(
                config, topic, record => received.Enqueue(Encoding.UTF8.GetString(record.Message.Value!)), TimeSpan.FromSeconds(2), logger, time);
        }

        var starting = TopicTailReader.StartWithRetryAsync(Create, TimeSpan.FromMinutes(1), time, logger, CancellationToken.None);
        await signal.Seen.WaitAsync(TimeSpan.FromSeconds(15));
        var attemptsBeforeTheClockMoved = Volatile.Read(ref attempts);
        var startedBeforeTheClockMoved = starting.IsCompleted;
        await broker.CreateTopicsAsync(topic);
        // The log line comes just before the retry's delay is scheduled: move the clock until the start went through.
        Assert.That(() => { time.Advance(TimeSpan.FromMinutes(1)); return starting.IsCompleted; }, Is.True.After(15_000, 100));
        await using var reader = await starting;

        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(broker.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "after the start"u8.ToArray() });
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(attemptsBeforeTheClockMoved, Is.EqualTo(1), "the retry waits for the injected clock");
            Assert.That(startedBeforeTheClockMoved, Is.False);
            Assert.That(Volatile.Read(ref attempts), Is.GreaterThanOrEqualTo(2));
            Assert.That(() => received, Is.EqualTo(new[] { "after the start" }).After(15_000, 20));
        }
    }
}
