using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaConsumerManagerTests
{
    private const int WaitMs = 15_000;
    private const int PollMs = 20;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    private static string Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
        Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes(name));

    [Test]
    public async Task Handler_ReceivesEnvelopeRawRecordAndHeaders()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var received = new TaskCompletionSource<ConsumedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await harness.SubscribeAsync((message, _) =>
        {
            received.TrySetResult(message);
            return Task.CompletedTask;
        });

        var sent = harness.Factory.CreateReply(
            harness.Factory.Create(MessageType.PredictionRequest, "api", []),
            MessageType.PredictionResult,
            "serving",
            new JsonObject { ["score"] = 0.9 });
        await harness.Producer.SendAsync(harness.Topic, sent, "user-7", CancellationToken.None);
        var message = await received.Task.WaitAsync(ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Envelope.MessageId, Is.EqualTo(sent.MessageId));
            Assert.That(message.Envelope.Data["score"]!.GetValue<double>(), Is.EqualTo(0.9));
            Assert.That(message.Key, Is.EqualTo("user-7"));
            Assert.That(message.Topic, Is.EqualTo(harness.Topic));
            Assert.That(message.Partition.Value, Is.Zero);
            Assert.That(message.Offset.Value, Is.Zero);
            Assert.That(message.GetHeader(KafkaHeaderNames.MessageType), Is.EqualTo("prediction_result"));
            Assert.That(message.GetHeader(KafkaHeaderNames.CorrelationId), Is.EqualTo(sent.CorrelationId));
            Assert.That(harness.Serializer.Deserialize(message.Value).MessageId, Is.EqualTo(sent.MessageId));
        }
    }

    [Test]
    public async Task Handler_FailsTwiceThenSucceeds_IsRetriedAndItsOffsetCommittedOnce()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, ConsumerTestHarness.FastRetries(maxRetries: 3));
        var attempts = 0;
        var handled = new ConcurrentQueue<string>();
        var subscription = await harness.SubscribeAsync((message, _) =>
        {
            if (Interlocked.Increment(ref attempts) <= 2)
            {
                throw new InvalidOperationException("transient");
            }

            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        });

        var sent = await harness.SendAsync("k", new JsonObject { ["n"] = 1 });
        Assert.That(() => handled, Has.Count.EqualTo(1).After(WaitMs, PollMs));
        await subscription.StopAsync(CancellationToken.None);
        var deadLetters = await harness.Broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, TimeSpan.FromMilliseconds(500));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref attempts), Is.EqualTo(3));
            Assert.That(handled, Is.EqualTo(new[] { sent.MessageId }));
            Assert.That(await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(1));
            Assert.That(deadLetters, Is.Empty);
        }
    }

    [Test]
    public async Task Handler_AlwaysFails_MessageIsDeadLetteredWithErrorHeadersAndLaterMessagesFlow()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, ConsumerTestHarness.FastRetries(maxRetries: 2));
        var poisonAttempts = 0;
        var handled = new ConcurrentQueue<string>();
        await harness.SubscribeAsync((message, _) =>
        {
            if (message.Envelope.Data["poison"] is not null)
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new InvalidOperationException("cannot digest this row");
            }

            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        });

        var poison = harness.Factory.Create(MessageType.RawData, "tests", new JsonObject { ["poison"] = true });
        await harness.Producer.SendAsync(harness.Topic, poison, "poison-key", CancellationToken.None);
        var later = new[]
        {
            await harness.SendAsync("a", new JsonObject { ["n"] = 1 }),
            await harness.SendAsync("b", new JsonObject { ["n"] = 2 }),
        };

        Assert.That(() => handled, Has.Count.EqualTo(2).After(WaitMs, PollMs));
        var deadLetters = await harness.Broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(handled, Is.EqualTo(later.Select(message => message.MessageId)));
            Assert.That(Volatile.Read(ref poisonAttempts), Is.EqualTo(3), "one attempt plus two retries");
            Assert.That(deadLetters, Has.Count.EqualTo(1));
            var record = deadLetters[0];
            Assert.That(Encoding.UTF8.GetString(record.Message.Key!), Is.EqualTo("poison-key"));
            Assert.That(record.Message.Value, Is.EqualTo(harness.Serializer.Serialize(poison)));
            Assert.That(Header(record, KafkaHeaderNames.MessageType), Is.EqualTo("raw_data"), "original headers kept");
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterError), Is.EqualTo("System.InvalidOperationException: cannot digest this row"));
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterSourceTopic), Is.EqualTo(harness.Topic));
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterSourcePartition), Is.EqualTo("0"));
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterSourceOffset), Is.EqualTo("0"));
            Assert.That(
                DateTimeOffset.Parse(Header(record, KafkaHeaderNames.DeadLetterFailedAt), CultureInfo.InvariantCulture),
                Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        }
    }

    [Test]
    public async Task GarbagePayload_IsDeadLetteredAtOnceWithReasonAndNeverReachesHandler()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, ConsumerTestHarness.FastRetries(maxRetries: 5));
        var handled = new ConcurrentQueue<string>();
        await harness.SubscribeAsync((message, _) =>
        {
            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        });

        var garbage = "definitely { not json"u8.ToArray();
        await harness.Producer.SendRawAsync(harness.Topic, [0xFF, 0x00], garbage, new Headers { { "origin", "legacy"u8.ToArray() } }, CancellationToken.None);
        var valid = await harness.SendAsync("after", new JsonObject { ["n"] = 1 });

        Assert.That(() => handled, Has.Count.EqualTo(1).After(WaitMs, PollMs));
        var deadLetters = await harness.Broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, ReadTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(handled, Is.EqualTo(new[] { valid.MessageId }));
            Assert.That(deadLetters, Has.Count.EqualTo(1));
            var record = deadLetters[0];
            Assert.That(record.Message.Key, Is.EqualTo(new byte[] { 0xFF, 0x00 }), "key bytes untouched");
            Assert.That(record.Message.Value, Is.EqualTo(garbage));
            Assert.That(Header(record, "origin"), Is.EqualTo("legacy"));
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterError), Does.StartWith(typeof(InvalidEnvelopeException).FullName!).And.Contain("not JSON"));
            Assert.That(Header(record, KafkaHeaderNames.DeadLetterSourceOffset), Is.EqualTo("0"));
        }
    }

    [Test]
    public async Task StopMidStream_NewConsumerInSameGroup_HandlesEveryMessageExactlyOnce()
    {
        const int total = 40;
        const int handledBeforeStop = 10;
        var options = ConsumerTestHarness.FastRetries() with { ShutdownGracePeriod = TimeSpan.FromMilliseconds(200) };
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, options);
        var sent = await harness.Producer.SendBatchAsync(
            harness.Topic,
            Enumerable.Range(0, total).Select(index => ((string?)$"k{index}", harness.Factory.Create(MessageType.RawData, "tests", new JsonObject { ["n"] = index }))),
            CancellationToken.None);

        // The first consumer completes ten messages, then hangs in the eleventh until shutdown cancels it.
        var completed = new ConcurrentQueue<string>();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await harness.SubscribeAsync(async (message, cancellationToken) =>
        {
            if (completed.Count == handledBeforeStop)
            {
                hung.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            }

            completed.Enqueue(message.Envelope.MessageId);
        });
        await hung.Task.WaitAsync(ReadTimeout);
        await first.StopAsync(CancellationToken.None);
        var committedAfterStop = await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic);

        var second = await harness.SubscribeAsync((message, _) =>
        {
            completed.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        });
        Assert.That(() => completed, Has.Count.GreaterThanOrEqualTo(total).After(WaitMs, PollMs));
        await second.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.State, Is.EqualTo(ConsumerSubscriptionState.Stopped));
            Assert.That(committedAfterStop, Is.EqualTo(handledBeforeStop));
            Assert.That(completed, Is.Unique);
            Assert.That(completed, Is.EquivalentTo(sent.Select(result => result.MessageId)));
            Assert.That(await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(total));
        }
    }

    [Test]
    public async Task StopAsync_HandlerInFlight_WaitsForItWithinGracePeriodAndCommitsIt()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = 0;
        var subscription = await harness.SubscribeAsync(async (_, cancellationToken) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
            Interlocked.Increment(ref completed);
        });
        await harness.SendAsync("k", new JsonObject { ["n"] = 1 });
        await started.Task.WaitAsync(ReadTimeout);

        var stopping = subscription.StopAsync(CancellationToken.None);
        var stateWhileDraining = subscription.State;
        release.SetResult();
        await stopping;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stateWhileDraining, Is.EqualTo(ConsumerSubscriptionState.Stopping));
            Assert.That(Volatile.Read(ref completed), Is.EqualTo(1));
            Assert.That(subscription.State, Is.EqualTo(ConsumerSubscriptionState.Stopped));
            Assert.That(subscription.Completion.IsCompletedSuccessfully, Is.True);
            Assert.That(await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task SecondMemberJoinsMidStream_RebalanceCommitsHandledWork_NoMessageLostOrHandledTwice()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var topic = MessagingTestBroker.UniqueName("rebalanced");
        using (var administrator = broker.CreateAdministrator())
        {
            await administrator.EnsureTopicsAsync([new TopicSpec(topic, Partitions: 3)], CancellationToken.None);
        }

        var handled = new ConcurrentQueue<string>();
        var handledBySecond = 0;
        var first = await harness.Consumers.StartAsync([topic], harness.GroupId, (message, _) =>
        {
            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        }, CancellationToken.None);
        var sent = new List<string>();
        async Task SendBatchAsync(int count)
        {
            var results = await harness.Producer.SendBatchAsync(
                topic,
                Enumerable.Range(sent.Count, count).Select(index => ((string?)$"key-{index}", harness.Factory.Create(MessageType.RawData, "tests", new JsonObject { ["n"] = index }))),
                CancellationToken.None);
            sent.AddRange(results.Select(result => result.MessageId));
        }

        await SendBatchAsync(20);
        Assert.That(() => handled, Has.Count.EqualTo(20).After(WaitMs, PollMs));
        var second = await harness.Consumers.StartAsync([topic], harness.GroupId, (message, _) =>
        {
            Interlocked.Increment(ref handledBySecond);
            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        }, CancellationToken.None);

        // Keep traffic flowing through the rebalance until the new member has taken over partitions.
        var rebalanceDeadline = TimeSpan.FromSeconds(20);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref handledBySecond) == 0 && waited.Elapsed < rebalanceDeadline)
        {
            await SendBatchAsync(6);
            Assert.That(() => handled, Has.Count.GreaterThanOrEqualTo(sent.Count).After(WaitMs, PollMs));
        }

        await SendBatchAsync(12);
        Assert.That(() => handled, Has.Count.GreaterThanOrEqualTo(sent.Count).After(WaitMs, PollMs));
        await Task.WhenAll(first.StopAsync(CancellationToken.None), second.StopAsync(CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref handledBySecond), Is.GreaterThan(0), "the second member got partitions");
            Assert.That(handled, Is.Unique);
            Assert.That(handled, Is.EquivalentTo(sent));
        }
    }
}
