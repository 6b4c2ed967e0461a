using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// The classic consumer group protocol as librdkafka drives it, end to end: members split the partitions,
/// a member that leaves (LeaveGroup) or dies (session timeout) has its partitions taken over, nothing is
/// lost on the way, and committed offsets are where a new member resumes.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class ConsumerGroupFailoverTests
{
    private const int Partitions = 6;
    private const int WaveSize = 60;
    // A rebalance after a clean leave takes one join round; a dead member needs its 6 s session timeout first.
    private const int RebalanceMs = 15_000;
    private const int DeadMemberTakeoverMs = 30_000;
    private const int PollMs = 50;
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task GroupOfThree_OneLeavesAndOneDies_SurvivorsTakeOverAndEveryMessageIsSeenWithRedeliveriesOnlyOfUncommitted()
    {
        string topic = await CreateTopicAsync();
        string group = UniqueNames.For("failover-group");
        await using var memberA = new GroupMemberConsumer("member-a", _broker.BootstrapServers, topic, group);
        await using var memberB = new GroupMemberConsumer("member-b", _broker.BootstrapServers, topic, group);
        await using var memberC = new GroupMemberConsumer("member-c", _broker.BootstrapServers, topic, group);
        GroupMemberConsumer[] members = [memberA, memberB, memberC];

        Assert.That(() => AssignmentSizes(members), Is.EqualTo(new[] { 2, 2, 2, Partitions }).After(RebalanceMs, PollMs), "three members, two partitions each");
        var produced = Produce(topic, "wave-1");
        Assert.That(() => SeenValues(members), Is.SupersetOf(produced).After(RebalanceMs, PollMs), "wave 1 seen");

        // Clean leave: Close() commits nothing new here (every message is committed as handled) and sends LeaveGroup.
        await memberA.CloseAsync();
        produced.AddRange(Produce(topic, "wave-2"));
        Assert.That(() => AssignmentSizes(memberB, memberC), Is.EqualTo(new[] { 3, 3, Partitions }).After(RebalanceMs, PollMs), "two members, three partitions each");
        Assert.That(() => SeenValues(members), Is.SupersetOf(produced).After(RebalanceMs, PollMs), "waves 1-2 seen");

        // Crash: no LeaveGroup, no more heartbeats; only the session timeout tells the broker.
        await memberB.KillAsync();
        var sinceKill = Stopwatch.StartNew();
        produced.AddRange(Produce(topic, "wave-3"));
        Assert.That(() => AssignmentSizes(memberC), Is.EqualTo(new[] { Partitions, Partitions }).After(DeadMemberTakeoverMs, PollMs), "the survivor owns everything");
        // Expect about the 6 s session timeout here; much less would mean the killed client still said goodbye.
        TestContext.Progress.WriteLine($"survivor took over {sinceKill.ElapsedMilliseconds} ms after the kill");
        Assert.That(() => SeenValues(members), Is.SupersetOf(produced).After(RebalanceMs, PollMs), "waves 1-3 seen");

        var deliveries = members.SelectMany(m => m.Deliveries).ToList();
        var committed = await CommittedOffsetsAsync(group, topic);
        var highWatermarks = HighWatermarks(topic);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(members.Select(m => m.Failure), Is.All.Null, "consumer loop failures");
            Assert.That(deliveries.Select(d => d.Value).Distinct(), Is.EquivalentTo(produced), "every produced message seen, nothing else");
            Assert.That(RedeliveriesOfCommittedMessages(deliveries), Is.Empty, "a message redelivered after its commit succeeded");
            Assert.That(committed, Is.EqualTo(highWatermarks), "committed offsets after the survivor handled everything");
        }
    }

    [Test]
    public async Task CommittedOffsets_NewMemberAfterClose_ResumesAtFirstUncommittedMessageOfEachPartition()
    {
        string topic = await CreateTopicAsync();
        string group = UniqueNames.For("resume-group");
        var produced = Produce(topic, "resume");
        const int committedPerPartition = WaveSize / Partitions / 2;

        // Handle every message but commit only the first half of each partition, then leave.
        var first = new List<ConsumeResult<string, string>>();
        using (var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group)))
        {
            consumer.Subscribe(topic);
            first.AddRange(ConsumeUntil(consumer, produced.Count));
            consumer.Commit(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, committedPerPartition)));
            consumer.Close();
        }

        var resumed = new List<ConsumeResult<string, string>>();
        using (var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, group)))
        {
            consumer.Subscribe(topic);
            resumed.AddRange(ConsumeUntil(consumer, produced.Count - Partitions * committedPerPartition));
            consumer.Close();
        }

        var expected = first.Where(r => r.Offset.Value >= committedPerPartition).Select(r => (r.Partition.Value, r.Offset.Value, r.Message.Value));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Select(r => r.Message.Value), Is.EquivalentTo(produced), "first member saw everything");
            Assert.That(resumed.GroupBy(r => r.Partition.Value).Select(g => g.First().Offset.Value), Is.All.EqualTo(committedPerPartition), "first offset seen per partition");
            Assert.That(resumed.Select(r => (r.Partition.Value, r.Offset.Value, r.Message.Value)), Is.EquivalentTo(expected), "exactly the uncommitted messages");
        }
    }

    private async Task<string> CreateTopicAsync()
    {
        string topic = UniqueNames.For("group-topic");
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    /// <summary>A wave of <see cref="WaveSize"/> messages spread evenly over the partitions; returns their values.</summary>
    private List<string> Produce(string topic, string wave) =>
        [.. TopicContents.ProduceAcknowledged(_broker.BootstrapServers, topic, wave, 0, WaveSize, spreadOverPartitions: Partitions).Select(m => m.Value)];

    /// <summary>Each member's partition count, then how many distinct partitions they own together.</summary>
    private static int[] AssignmentSizes(params GroupMemberConsumer[] members) =>
        [.. members.Select(m => m.Assignment.Count), members.SelectMany(m => m.Assignment).Distinct().Count()];

    private static HashSet<string> SeenValues(IEnumerable<GroupMemberConsumer> members) =>
        [.. members.SelectMany(m => m.Deliveries).Select(d => d.Value)];

    /// <summary>
    /// At-least-once allows a message to come again only when no commit covered it yet: a commit refused during
    /// a rebalance. Every delivery before the last one of the same message must therefore have failed to commit.
    /// </summary>
    private static List<string> RedeliveriesOfCommittedMessages(IEnumerable<GroupDelivery> deliveries) =>
        [.. deliveries.GroupBy(d => (d.Partition, d.Offset))
            .Where(g => g.OrderBy(d => d.HandledAt).SkipLast(1).Any(d => d.Committed))
            .Select(g => $"partition {g.Key.Partition} offset {g.Key.Offset}: {string.Join(", ", g.OrderBy(d => d.HandledAt).Select(d => $"{d.Member} committed={d.Committed}"))}")];

    private async Task<Dictionary<int, long>> CommittedOffsetsAsync(string group, string topic)
    {
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)]);
        return results.Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
    }

    private Dictionary<int, long> HighWatermarks(string topic)
    {
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(_broker.BootstrapServers));
        return Enumerable.Range(0, Partitions).ToDictionary(
            p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    private static List<ConsumeResult<string, string>> ConsumeUntil(IConsumer<string, string> consumer, int count)
    {
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddMilliseconds(RebalanceMs);
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is { IsPartitionEOF: false }) results.Add(result);
        }
        return results;
    }
}
