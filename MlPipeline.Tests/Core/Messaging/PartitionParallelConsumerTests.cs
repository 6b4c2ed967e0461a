using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// <see cref="KafkaConsumerManagerOptions.MaxConcurrentHandlers"/> (<c>performance.consumer_threads</c>): records of one
/// partition are handled in order and never two at once, records of different partitions side by side, and the
/// delivery rules (store after handling, commit on revocation and stop, retries, dead-letter) hold per record.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class PartitionParallelConsumerTests
{
    private const int WaitMs = 15_000;
    private const int PollMs = 20;
    private const int Partitions = 3;
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(15);
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    private static KafkaConsumerManagerOptions Lanes(int maxConcurrentHandlers) =>
        ConsumerTestHarness.FastRetries() with { MaxConcurrentHandlers = maxConcurrentHandlers };

    [Test]
    public async Task RecordsOfOnePartition_AreHandledInOrderAndNeverTwoAtOnce()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(4));
        var topic = await CreatePartitionedTopicAsync();
        var sent = await SendAsync(harness, topic, Enumerable.Range(0, Partitions).SelectMany(partition => Enumerable.Repeat(partition, 12)));
        var active = new int[Partitions];
        var overlaps = 0;
        var offsetsByPartition = Enumerable.Range(0, Partitions).Select(_ => new ConcurrentQueue<long>()).ToArray();
        var subscription = await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, _) =>
        {
            var partition = message.Partition.Value;
            if (Interlocked.Increment(ref active[partition]) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            // Give another record of this partition every chance to overlap, if the lanes allowed it.
            await Task.Yield();
            offsetsByPartition[partition].Enqueue(message.Offset.Value);
            Interlocked.Decrement(ref active[partition]);
        }, CancellationToken.None);

        Assert.That(() => offsetsByPartition.Sum(offsets => offsets.Count), Is.EqualTo(sent.Count).After(WaitMs, PollMs));
        await subscription.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref overlaps), Is.Zero);
            for (var partition = 0; partition < Partitions; partition++)
            {
                Assert.That(offsetsByPartition[partition], Is.EqualTo(Enumerable.Range(0, 12).Select(offset => (long)offset)), $"partition {partition}");
            }

            Assert.That(await CommittedOffsetsAsync(harness.GroupId, topic), Is.EqualTo(new long[] { 12, 12, 12 }));
        }
    }

    [Test]
    public async Task RecordsOfDifferentPartitions_AreHandledConcurrently()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(4));
        var topic = await CreatePartitionedTopicAsync();
        var arrived = Enumerable.Range(0, 2).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var passedBarrier = new ConcurrentQueue<int>();
        await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, cancellationToken) =>
        {
            // A barrier both partitions must reach: handled one after the other, the first would wait in vain.
            var partition = message.Partition.Value;
            arrived[partition].TrySetResult();
            await Task.WhenAll(arrived.Select(signal => signal.Task)).WaitAsync(SignalTimeout, cancellationToken);
            passedBarrier.Enqueue(partition);
        }, CancellationToken.None);

        await SendAsync(harness, topic, [0, 1]);

        Assert.That(() => passedBarrier, Is.EquivalentTo(new[] { 0, 1 }).After(WaitMs, PollMs));
    }

    [Test]
    public async Task OneConsumerThread_HandlesOneRecordAtATimeInPartitionOrder()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(1));
        var topic = await CreatePartitionedTopicAsync();
        var sent = await SendAsync(harness, topic, Enumerable.Range(0, 8).SelectMany(_ => Enumerable.Range(0, Partitions)));
        var active = 0;
        var maxActive = 0;
        var handled = new ConcurrentQueue<(int Partition, long Offset)>();
        var subscription = await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, _) =>
        {
            var now = Interlocked.Increment(ref active);
            InterlockedMax(ref maxActive, now);
            await Task.Yield();
            handled.Enqueue((message.Partition.Value, message.Offset.Value));
            Interlocked.Decrement(ref active);
        }, CancellationToken.None);

        Assert.That(() => handled, Has.Count.EqualTo(sent.Count).After(WaitMs, PollMs));
        await subscription.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref maxActive), Is.EqualTo(1));
            for (var partition = 0; partition < Partitions; partition++)
            {
                Assert.That(
                    handled.Where(record => record.Partition == partition).Select(record => record.Offset),
                    Is.EqualTo(Enumerable.Range(0, 8).Select(offset => (long)offset)),
                    $"partition {partition}");
            }
        }
    }

    [Test]
    public async Task SlowPartition_DoesNotStallTheOthers()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(4));
        var topic = await CreatePartitionedTopicAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowHandled = 0;
        var fastHandled = 0;
        await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, cancellationToken) =>
        {
            if (message.Partition.Value == 0)
            {
                await release.Task.WaitAsync(cancellationToken);
                Interlocked.Increment(ref slowHandled);
            }
            else
            {
                Interlocked.Increment(ref fastHandled);
            }
        }, CancellationToken.None);

        // Partition 0: one record blocked in its handler and one queued behind it; partition 1 must still flow.
        await SendAsync(harness, topic, [0, 0, .. Enumerable.Repeat(1, 20)]);
        Assert.That(() => Volatile.Read(ref fastHandled), Is.EqualTo(20).After(WaitMs, PollMs));
        var slowWhileOthersFlowed = Volatile.Read(ref slowHandled);
        release.SetResult();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(slowWhileOthersFlowed, Is.Zero);
            Assert.That(() => Volatile.Read(ref slowHandled), Is.EqualTo(2).After(WaitMs, PollMs));
        }
    }

    [Test]
    public async Task SecondMemberJoinsWhileHandlersRun_RevocationFinishesThemDropsQueuedAndCommits_NothingLostOrHandledTwice()
    {
        var revoking = new LogSignalProvider("finishing their handlers", LogLevel.Information);
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(revoking).AddProvider(new NUnitProgressLoggerProvider()));
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(8), loggerFactory);
        var topic = await CreatePartitionedTopicAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var handled = new ConcurrentQueue<string>();
        var handledBySecond = 0;
        var first = await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, cancellationToken) =>
        {
            Interlocked.Increment(ref started);
            await gate.Task.WaitAsync(cancellationToken);
            handled.Enqueue(message.Envelope.MessageId);
        }, CancellationToken.None);

        // Two records per partition: the first of each runs (held at the gate), the second waits in its lane. The
        // window (8) is not full, so the consume thread keeps calling Consume and so takes part in the rebalance.
        var sent = await SendAsync(harness, topic, [0, 1, 2, 0, 1, 2]);
        Assert.That(() => Volatile.Read(ref started), Is.EqualTo(Partitions).After(WaitMs, PollMs));
        var second = await harness.Consumers.StartAsync([topic], harness.GroupId, (message, _) =>
        {
            Interlocked.Increment(ref handledBySecond);
            handled.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        }, CancellationToken.None);

        // The first member is now inside its revocation callback, waiting for the held handlers.
        await revoking.Seen.WaitAsync(SignalTimeout);
        gate.SetResult();
        sent.AddRange(await SendAsync(harness, topic, Enumerable.Range(0, 4).SelectMany(_ => Enumerable.Range(0, Partitions))));

        Assert.That(() => handled, Has.Count.GreaterThanOrEqualTo(sent.Count).After(WaitMs, PollMs));
        await Task.WhenAll(first.StopAsync(CancellationToken.None), second.StopAsync(CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref handledBySecond), Is.GreaterThan(0), "the second member got partitions");
            Assert.That(handled, Is.Unique);
            Assert.That(handled, Is.EquivalentTo(sent));
            Assert.That(await CommittedOffsetsAsync(harness.GroupId, topic), Is.EqualTo(new long[] { 6, 6, 6 }));
        }
    }

    [Test]
    public async Task StopMidStream_NewConsumerInSameGroup_HandlesEveryMessageOfEveryPartitionExactlyOnce()
    {
        const int perPartition = 10;
        const int handledBeforeHang = 4;
        var options = Lanes(4) with { ShutdownGracePeriod = TimeSpan.FromMilliseconds(300) };
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, options);
        var topic = await CreatePartitionedTopicAsync();
        var sent = await SendAsync(harness, topic, Enumerable.Range(0, perPartition).SelectMany(_ => Enumerable.Range(0, Partitions)));

        // Partition 0 hangs in its fifth record until shutdown cancels it; the other lanes go on meanwhile.
        var completed = new ConcurrentQueue<string>();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, cancellationToken) =>
        {
            if (message.Partition.Value == 0 && message.Offset.Value == handledBeforeHang)
            {
                hung.TrySetResult();
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            }

            completed.Enqueue(message.Envelope.MessageId);
        }, CancellationToken.None);
        await hung.Task.WaitAsync(SignalTimeout);
        await first.StopAsync(CancellationToken.None);
        var committedAfterStop = await CommittedOffsetsAsync(harness.GroupId, topic);

        var second = await harness.Consumers.StartAsync([topic], harness.GroupId, (message, _) =>
        {
            completed.Enqueue(message.Envelope.MessageId);
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.That(() => completed, Has.Count.GreaterThanOrEqualTo(sent.Count).After(WaitMs, PollMs));
        await second.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.State, Is.EqualTo(ConsumerSubscriptionState.Stopped));
            Assert.That(committedAfterStop[0], Is.EqualTo(handledBeforeHang), "the abandoned record and those behind it are not committed");
            Assert.That(completed, Is.Unique);
            Assert.That(completed, Is.EquivalentTo(sent));
            Assert.That(await CommittedOffsetsAsync(harness.GroupId, topic), Is.EqualTo(Enumerable.Repeat((long)perPartition, Partitions)));
        }
    }

    [Test]
    public async Task FailingRecord_IsRetriedAndDeadLetteredOnItsOwn_WhileItsPartitionWaitsAndOthersFlow()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(4) with { MaxRetries = 2 });
        var topic = await CreatePartitionedTopicAsync();
        var poisonAttempts = 0;
        var handled = new ConcurrentQueue<(int Partition, long Offset)>();
        var subscription = await harness.Consumers.StartAsync([topic], harness.GroupId, (message, _) =>
        {
            if (message.Envelope.Data["poison"] is not null)
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new InvalidOperationException("cannot digest this row");
            }

            handled.Enqueue((message.Partition.Value, message.Offset.Value));
            return Task.CompletedTask;
        }, CancellationToken.None);

        await SendAsync(harness, topic, [0], poison: true);
        await SendAsync(harness, topic, [0, 0, 1, 1, 1]);
        Assert.That(() => handled, Has.Count.EqualTo(5).After(WaitMs, PollMs));
        await subscription.StopAsync(CancellationToken.None);
        var deadLetters = await harness.Broker.ReadPartitionZeroAsync(harness.DeadLetterTopic, 1, SignalTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref poisonAttempts), Is.EqualTo(3), "one attempt plus two retries");
            Assert.That(handled.Where(record => record.Partition == 0).Select(record => record.Offset), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(deadLetters, Has.Count.EqualTo(1));
            Assert.That(Header(deadLetters[0], KafkaHeaderNames.DeadLetterSourcePartition), Is.EqualTo("0"));
            Assert.That(Header(deadLetters[0], KafkaHeaderNames.DeadLetterSourceOffset), Is.EqualTo("0"));
            Assert.That(await CommittedOffsetsAsync(harness.GroupId, topic), Is.EqualTo(new long[] { 3, 3, -1001 }));
        }
    }

    [Test]
    public async Task HandlerStuckPastMaxPollInterval_MemberLeavesTheGroup_AndRejoinsToFinishOnceItReturns()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker, Lanes(4));
        var topic = await CreatePartitionedTopicAsync();
        var config = broker.ConsumerConfig();
        config.MaxPollIntervalMs = config.SessionTimeoutMs;
        await using var consumers = new KafkaConsumerManager(
            config, Lanes(4), harness.Producer, harness.Serializer, TimeProvider.System, broker.LoggerFactory);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await consumers.StartAsync([topic], harness.GroupId, async (_, cancellationToken) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
        }, CancellationToken.None);
        await SendAsync(harness, topic, [0]);
        await entered.Task.WaitAsync(SignalTimeout);

        // The lanes keep the consume thread free, yet a stuck handler must still cost the member its partitions
        // (performance.processing_timeout_seconds = max.poll.interval.ms) so another member can make progress.
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers));
        async Task<int> MembersAsync() =>
            (await admin.DescribeConsumerGroupsAsync([harness.GroupId])).ConsumerGroupDescriptions.Single().Members.Count;
        Assert.That(MembersAsync, Is.Zero.After(30_000, 200), "the member with the stuck handler left the group");

        release.TrySetResult();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MembersAsync, Is.EqualTo(1).After(30_000, 200), "it rejoined once the handler returned");
            Assert.That(async () => await CommittedOffsetsAsync(harness.GroupId, topic), Is.EqualTo(new[] { 1, Offset.Unset.Value, Offset.Unset.Value }).After(30_000, 200));
        }
    }

    private async Task<string> CreatePartitionedTopicAsync()
    {
        var topic = MessagingTestBroker.UniqueName("lanes");
        using var administrator = broker.CreateAdministrator();
        await administrator.EnsureTopicsAsync([new TopicSpec(topic, Partitions)], CancellationToken.None);
        return topic;
    }

    /// <summary>Sends one envelope to each listed partition, in order (explicit partitions: no partitioner guesswork).</summary>
    /// <returns>The sent message ids, in order.</returns>
    private async Task<List<string>> SendAsync(ConsumerTestHarness harness, string topic, IEnumerable<int> partitions, bool poison = false)
    {
        using var producer = KafkaTestClients.BuildProducer<string, byte[]>(KafkaTestClients.ProducerConfig(broker.BootstrapServers));
        var sent = new List<string>();
        foreach (var partition in partitions)
        {
            var envelope = harness.Factory.Create(
                MessageType.RawData, "tests", poison ? new JsonObject { ["poison"] = true } : new JsonObject { ["n"] = sent.Count });
            await producer.ProduceAsync(
                new TopicPartition(topic, partition),
                new Message<string, byte[]> { Key = $"p{partition}", Value = harness.Serializer.Serialize(envelope) });
            sent.Add(envelope.MessageId);
        }

        return sent;
    }

    /// <summary>The group's committed offset of each partition (-1001 where none).</summary>
    private async Task<long[]> CommittedOffsetsAsync(string groupId, string topic)
    {
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers));
        var results = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(groupId, Enumerable.Range(0, Partitions).Select(partition => new TopicPartition(topic, partition)).ToList())]);
        return results.Single().Partitions.OrderBy(partition => partition.Partition.Value).Select(partition => partition.Offset.Value).ToArray();
    }

    private static string Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
        Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes(name));

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
