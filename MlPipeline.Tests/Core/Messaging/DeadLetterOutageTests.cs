using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>When the dead-letter topic cannot take a message, nothing may be skipped or committed past it.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DeadLetterOutageTests
{
    private const int WaitMs = 15_000;
    private const int PollMs = 20;
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync(autoCreateTopics: false);

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task DeadLetterTopicMissing_OffsetIsNotStoredAndSendIsRetriedUntilTopicExists()
    {
        var signal = new LogSignalProvider("Dead-lettering to");
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(signal).AddProvider(new NUnitProgressLoggerProvider()));
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, loggerFactory: loggerFactory, createDeadLetterTopic: false);
        var handled = new ConcurrentQueue<string>();
        await harness.SubscribeAsync((message, _) =>
        {
            if (message.Envelope.Data["poison"] is not null)
            {
                throw new InvalidOperationException("poison");
            }

            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        });
        await harness.SendAsync("poison", new JsonObject { ["poison"] = true });
        var later = await harness.SendAsync("later", new JsonObject { ["n"] = 1 });

        await signal.Seen.WaitAsync(TimeSpan.FromSeconds(15));
        var committedDuringOutage = await broker.CommittedOffsetAsync(harness.GroupId, harness.Topic);
        var handledDuringOutage = handled.ToArray();

        using (var administrator = broker.CreateAdministrator())
        {
            await administrator.EnsureTopicsAsync([new TopicSpec(harness.DeadLetterTopic, Partitions: 1)], CancellationToken.None);
        }

        Assert.That(() => handled, Has.Count.EqualTo(1).After(WaitMs, PollMs));
        var deadLetters = await broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, TimeSpan.FromSeconds(15));
        await harness.Consumers.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(committedDuringOutage, Is.LessThan(0), "nothing committed while the poison message was not parked");
            Assert.That(handledDuringOutage, Is.Empty, "the later message waits behind the poison one");
            Assert.That(deadLetters, Has.Count.EqualTo(1));
            Assert.That(handled, Is.EqualTo(new[] { later.MessageId }));
            Assert.That(await broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task LetterAHandlerBuilds_IsRetriedUntilTheTopicExists_WithItsOwnHeadersAndTheSourcesDlqHeaders()
    {
        // A stage parking what it refused of a record (ProcessingStage: one bad row) uses the same retrying publisher.
        var signal = new LogSignalProvider("Dead-lettering to");
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(signal).AddProvider(new NUnitProgressLoggerProvider()));
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, loggerFactory: loggerFactory, createDeadLetterTopic: false);
        var parked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await harness.SubscribeAsync(async (message, cancellationToken) =>
        {
            var headers = new Headers { { "row_number", Encoding.UTF8.GetBytes("7") } };
            var letter = new DeadLetter(message.TopicPartitionOffset, "row 7 refused", Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes("{}"), headers);
            parked.TrySetResult(await harness.Consumers.DeadLetters.PublishAsync(letter, cancellationToken));
        });
        await harness.SendAsync("chunk", new JsonObject { ["n"] = 1 });

        await signal.Seen.WaitAsync(TimeSpan.FromSeconds(15));
        var parkedDuringOutage = parked.Task.IsCompleted;
        using (var administrator = broker.CreateAdministrator())
        {
            await administrator.EnsureTopicsAsync([new TopicSpec(harness.DeadLetterTopic, Partitions: 1)], CancellationToken.None);
        }

        var deadLetters = await broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, TimeSpan.FromSeconds(15));
        var record = deadLetters.Single().Message;
        string Header(string key) => Encoding.UTF8.GetString(record.Headers.GetLastBytes(key));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parkedDuringOutage, Is.False, "the send waits for the topic instead of failing");
            Assert.That(await parked.Task.WaitAsync(TimeSpan.FromSeconds(15)), Is.True);
            Assert.That(Encoding.UTF8.GetString(record.Key!), Is.EqualTo("k"));
            Assert.That(Header("row_number"), Is.EqualTo("7"));
            Assert.That(Header(KafkaHeaderNames.DeadLetterError), Is.EqualTo("row 7 refused"));
            Assert.That(Header(KafkaHeaderNames.DeadLetterSourceTopic), Is.EqualTo(harness.Topic));
            Assert.That(Header(KafkaHeaderNames.DeadLetterSourceOffset), Is.EqualTo("0"));
        }
    }
}
