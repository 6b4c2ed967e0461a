using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>Retry delays come from the injected clock: exponential from the configured base, capped.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class RetryBackoffTests
{
    private const int WaitMs = 15_000;
    private const int PollMs = 20;
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task FailingHandler_RetriesAfterDoublingDelaysOnTheInjectedClockThenDeadLetters()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recorder = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(recorder).AddProvider(new NUnitProgressLoggerProvider()));
        var options = new KafkaConsumerManagerOptions
        {
            MaxRetries = 4,
            RetryBaseDelay = TimeSpan.FromSeconds(10),
            RetryMaxDelay = TimeSpan.FromSeconds(60),
            ShutdownGracePeriod = TimeSpan.Zero,
        };
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, options, loggerFactory, consumerClock: clock);
        var attempts = 0;
        await harness.SubscribeAsync((_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new TimeoutException("model store busy");
        });
        await harness.SendAsync("k", new JsonObject { ["n"] = 1 });

        // Each retry waits on the fake clock for the delay it announced. The announcement is logged just before the
        // retry's timer is created, so one advance could land before the timer exists and be lost: advance by the
        // announced delay on every poll until the next attempt runs. A surplus advance never reaches the next
        // retry's (longer) delay, so each retry still waits exactly what it announced.
        var announced = new List<TimeSpan>();
        for (var retry = 1; retry <= options.MaxRetries; retry++)
        {
            Assert.That(RetryDelays, Has.Count.EqualTo(retry).After(WaitMs, PollMs));
            var delay = RetryDelays().Last();
            announced.Add(delay);
            var attemptsSoFar = retry;
            Assert.That(() =>
            {
                clock.Advance(delay);
                return Volatile.Read(ref attempts);
            }, Is.GreaterThan(attemptsSoFar).After(WaitMs, 100));
        }

        var deadLetters = await broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, TimeSpan.FromSeconds(15));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(announced, Is.EqualTo(new[] { 10, 20, 40, 60 }.Select(seconds => TimeSpan.FromSeconds(seconds))));
            Assert.That(Volatile.Read(ref attempts), Is.EqualTo(options.MaxRetries + 1));
            Assert.That(deadLetters, Has.Count.EqualTo(1));
        }

        List<TimeSpan> RetryDelays() => recorder.Entries
            .Where(entry => entry.TryGetValue("{OriginalFormat}", out var format) && format is string text && text.StartsWith("Handler failed", StringComparison.Ordinal))
            .Select(entry => (TimeSpan)entry["Delay"]!)
            .ToList();
    }
}
