using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaHealthCheckerTests
{
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    private KafkaHealthChecker CreateChecker(string bootstrapServers, KafkaHealthCheckOptions options) =>
        new(
            new AdminClientConfig { BootstrapServers = bootstrapServers },
            options,
            TimeProvider.System,
            broker.LoggerFactory.CreateLogger<KafkaHealthChecker>());

    [Test]
    public async Task GetReportAsync_TopicsPresentAndGroupBehind_HealthyWithRoundTripAndLagPerPartition()
    {
        var topic = MessagingTestBroker.UniqueName("watched");
        var group = MessagingTestBroker.UniqueName("lagging");
        await broker.CreateTopicsAsync(topic);
        using (var producer = new ProducerBuilder<Null, string>(broker.ProducerConfig()).Build())
        {
            for (var index = 0; index < 5; index++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{index}" });
            }
        }

        await Task.Run(() =>
        {
            var config = broker.ConsumerConfig();
            config.GroupId = group;
            using var committer = new ConsumerBuilder<Null, string>(config).Build();
            committer.Commit([new TopicPartitionOffset(topic, 0, 2)]);
        });
        using var checker = CreateChecker(
            broker.BootstrapServers,
            new KafkaHealthCheckOptions { Timeout = TimeSpan.FromSeconds(5), ExpectedTopics = [topic], ConsumerGroups = [group] });

        var report = await checker.GetReportAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Status, Is.EqualTo(HealthStatus.Healthy), report.Description);
            Assert.That(report.BrokerReachable, Is.True);
            Assert.That(report.RoundTripMs, Is.GreaterThan(0));
            Assert.That(report.BrokerCount, Is.EqualTo(1));
            Assert.That(report.PresentTopics, Is.EqualTo(new[] { topic }));
            Assert.That(report.MissingTopics, Is.Empty);
            Assert.That(report.ConsumerGroups, Has.Count.EqualTo(1));
            Assert.That(report.ConsumerGroups[0].TotalLag, Is.EqualTo(3));
            Assert.That(report.ConsumerGroups[0].Partitions, Is.EqualTo(new[] { new PartitionLag(topic, 0, 2, 5, 3) }));
        }
    }

    [Test]
    public async Task ReadConsumerGroupLagAsync_GroupStuckInItsFirstHandler_CountsEveryWaitingMessage()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        for (var index = 0; index < 4; index++)
        {
            await harness.SendAsync("k", new System.Text.Json.Nodes.JsonObject { ["n"] = index });
        }

        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await harness.SubscribeAsync(async (_, token) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(token);
        });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(15));

        // No consumer manager given: the partitions come from the broker's view of the group (its members' assignment).
        using var checker = CreateChecker(broker.BootstrapServers, new KafkaHealthCheckOptions());
        try
        {
            Assert.That(
                async () => (await checker.ReadConsumerGroupLagAsync([harness.GroupId], CancellationToken.None)).Single().Partitions,
                Is.EqualTo(new[] { new PartitionLag(harness.Topic, 0, null, 4, 4) }).After(15_000, 100),
                "nothing committed yet: all four messages (the one in the handler included) are waiting");
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Test]
    public async Task ReadConsumerGroupLagAsync_StuckMemberLeftTheGroup_CountsTheTopicsItsSubscriptionHereReads()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        for (var index = 0; index < 3; index++)
        {
            await harness.SendAsync("k", new System.Text.Json.Nodes.JsonObject { ["n"] = index });
        }

        // A handler stuck past max.poll.interval.ms makes librdkafka leave the group: the broker then lists no member.
        var config = broker.ConsumerConfig();
        config.MaxPollIntervalMs = config.SessionTimeoutMs;
        await using var consumers = new KafkaConsumerManager(
            config, ConsumerTestHarness.FastRetries(), harness.Producer, harness.Serializer, TimeProvider.System, broker.LoggerFactory);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await consumers.StartAsync([harness.Topic], harness.GroupId, async (_, token) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(token);
        }, CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(15));

        using var admin = KafkaTestClients.BuildAdmin(broker.AdminConfig());
        using var brokerView = CreateChecker(broker.BootstrapServers, new KafkaHealthCheckOptions());
        using var withSubscriptions = new KafkaHealthChecker(
            broker.AdminConfig(), new KafkaHealthCheckOptions(), TimeProvider.System, broker.LoggerFactory.CreateLogger<KafkaHealthChecker>(), consumers);
        try
        {
            Assert.That(
                async () => (await admin.DescribeConsumerGroupsAsync([harness.GroupId])).ConsumerGroupDescriptions.Single().Members,
                Is.Empty.After(30_000, 200),
                "the stuck member left the group");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(
                    (await brokerView.ReadConsumerGroupLagAsync([harness.GroupId], CancellationToken.None)).Single().Partitions,
                    Is.Empty,
                    "nothing on the broker ties the group to its topic any more");
                Assert.That(
                    (await withSubscriptions.ReadConsumerGroupLagAsync([harness.GroupId], CancellationToken.None)).Single().Partitions,
                    Is.EqualTo(new[] { new PartitionLag(harness.Topic, 0, null, 3, 3) }),
                    "the subscription in this process still names it");
            }
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Test]
    public async Task ReadConsumerGroupLagAsync_OnePartitionCommittedOneNot_CountsEachFromWhereTheGroupStands()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var topic = MessagingTestBroker.UniqueName("two-partitions");
        using (var administrator = broker.CreateAdministrator())
        {
            await administrator.EnsureTopicsAsync([new TopicSpec(topic, Partitions: 2)], CancellationToken.None);
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handledOnZero = 0;
        await harness.Consumers.StartAsync([topic], harness.GroupId, async (message, token) =>
        {
            if (message.Partition.Value == 0)
            {
                Interlocked.Increment(ref handledOnZero);
                return;
            }

            await release.Task.WaitAsync(token);
        }, CancellationToken.None);
        using var producer = KafkaTestClients.BuildProducer<string, byte[]>(broker.ProducerConfig());
        async Task SendAsync(int partition, int count)
        {
            for (var index = 0; index < count; index++)
            {
                var envelope = harness.Factory.Create(MessageType.RawData, "tests", new System.Text.Json.Nodes.JsonObject { ["n"] = index });
                await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, byte[]> { Key = "k", Value = harness.Serializer.Serialize(envelope) });
            }
        }

        using var checker = CreateChecker(broker.BootstrapServers, new KafkaHealthCheckOptions());
        async Task<IReadOnlyList<PartitionLag>> LagAsync() =>
            (await checker.ReadConsumerGroupLagAsync([harness.GroupId], CancellationToken.None)).Single().Partitions;
        try
        {
            await SendAsync(partition: 0, count: 3);
            Assert.That(async () => (await LagAsync()).FirstOrDefault(lag => lag.Partition == 0)?.CommittedOffset, Is.EqualTo(3).After(15_000, 100));

            // The handler now blocks on partition 1's first message, so the later partition-0 messages wait behind it.
            await SendAsync(partition: 1, count: 4);
            await SendAsync(partition: 0, count: 2);
            Assert.That(
                async () => await LagAsync(),
                Is.EqualTo(new[] { new PartitionLag(topic, 0, 3, 5, 2), new PartitionLag(topic, 1, null, 4, 4) }).After(15_000, 100));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Test]
    public async Task ReadConsumerGroupLagAsync_UncommittedPartitionOfAGroupStartingAtLatest_HasNoLag()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        await harness.SendAsync("k", new System.Text.Json.Nodes.JsonObject { ["n"] = 1 });
        await harness.SendAsync("k", new System.Text.Json.Nodes.JsonObject { ["n"] = 2 });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await harness.SubscribeAsync(async (_, token) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(token);
        });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(15));

        using var checker = CreateChecker(broker.BootstrapServers, new KafkaHealthCheckOptions { UncommittedStartsAt = AutoOffsetReset.Latest });
        try
        {
            Assert.That(
                async () => (await checker.ReadConsumerGroupLagAsync([harness.GroupId], CancellationToken.None)).Single().Partitions,
                Is.EqualTo(new[] { new PartitionLag(harness.Topic, 0, null, 2, 0) }).After(15_000, 100));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Test]
    public async Task CheckHealthAsync_ExpectedTopicMissing_DegradedNamingTheTopic()
    {
        var missing = MessagingTestBroker.UniqueName("absent");
        using var checker = CreateChecker(broker.BootstrapServers, new KafkaHealthCheckOptions { ExpectedTopics = [missing] });

        var result = await checker.CheckHealthAsync(new HealthCheckContext(), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(result.Description, Does.Contain(missing));
            Assert.That(result.Data["missing_topics"], Is.EqualTo(new[] { missing }));
        }
    }

    [Test]
    public async Task CheckHealthAsync_NothingListening_UnhealthyWithinTheTimeout()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var deadPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var timeout = TimeSpan.FromSeconds(1);
        using var checker = CreateChecker($"127.0.0.1:{deadPort}", new KafkaHealthCheckOptions { Timeout = timeout });

        var stopwatch = Stopwatch.StartNew();
        var result = await checker.CheckHealthAsync(new HealthCheckContext(), CancellationToken.None);
        stopwatch.Stop();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(result.Description, Does.Contain("unreachable").And.Contain(deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(stopwatch.Elapsed, Is.LessThan(timeout + TimeSpan.FromSeconds(2)));
        }
    }

    [Test]
    public async Task GetReportAsync_WithConsumerManager_ListsItsSubscriptionsAndStates()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var subscription = await harness.SubscribeAsync((_, _) => Task.CompletedTask);
        using var checker = new KafkaHealthChecker(
            broker.AdminConfig(),
            new KafkaHealthCheckOptions { ExpectedTopics = [harness.Topic] },
            TimeProvider.System,
            broker.LoggerFactory.CreateLogger<KafkaHealthChecker>(),
            harness.Consumers);

        var running = await checker.GetReportAsync(CancellationToken.None);
        await subscription.StopAsync(CancellationToken.None);
        var stopped = await checker.GetReportAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(running.Status, Is.EqualTo(HealthStatus.Healthy), running.Description);
            Assert.That(running.Subscriptions, Is.EqualTo(new[] { new SubscriptionHealth(harness.GroupId, [harness.Topic], ConsumerSubscriptionState.Running, null) }).Using<SubscriptionHealth>(SameSubscription));
            Assert.That(stopped.Subscriptions.Single().State, Is.EqualTo(ConsumerSubscriptionState.Stopped));
        }
    }

    // Records compare lists by reference, so compare the fields.
    private static bool SameSubscription(SubscriptionHealth left, SubscriptionHealth right) =>
        left.GroupId == right.GroupId && left.Topics.SequenceEqual(right.Topics) && left.State == right.State && left.Fault == right.Fault;

    [Test]
    public async Task CheckHealthAsync_SubscriptionFaulted_UnhealthyNamingTheGroup()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);

        // librdkafka rejects an invalid topic regex when subscribing: the subscription faults before it runs.
        Assert.That(
            () => harness.Consumers.StartAsync(["^[unclosed"], harness.GroupId, (_, _) => Task.CompletedTask, CancellationToken.None),
            Throws.InstanceOf<Confluent.Kafka.KafkaException>());
        using var checker = new KafkaHealthChecker(
            broker.AdminConfig(),
            new KafkaHealthCheckOptions(),
            TimeProvider.System,
            broker.LoggerFactory.CreateLogger<KafkaHealthChecker>(),
            harness.Consumers);

        var result = await checker.CheckHealthAsync(new HealthCheckContext(), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Consumers.Subscriptions.Single().State, Is.EqualTo(ConsumerSubscriptionState.Faulted));
            Assert.That(harness.Consumers.Subscriptions.Single().Fault, Is.Not.Null);
            Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(result.Description, Does.Contain(harness.GroupId));
        }
    }
}
