using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Broker;
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;
using BrokerError = MlPipeline.Broker.Protocol.ErrorCode;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Nothing clients leave behind is kept forever: an empty group's committed offsets (and the group) go after
/// offsets.retention.minutes, an idle idempotent producer's sequence state after producer.id.expiration.ms. The broker
/// runs on a fake clock that the tests move, so hours pass in milliseconds; the broker's own maintenance timer does the
/// expiring.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ExpirationTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private BrokerServer _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await BrokerServer.StartAsync(new BrokerOptions
    {
        Host = "127.0.0.1", Port = 0, OffsetsRetention = Retention, ProducerIdExpiration = Retention,
        ExpirationCheckInterval = TimeSpan.FromMinutes(1), RetentionCheckInterval = TimeSpan.FromDays(1),
    }, loggerFactory: null, _clock);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    private TopicRegistry Topics => _broker.Services.GetRequiredService<TopicRegistry>();
    private IGroupOffsetStore Offsets => _broker.Services.GetRequiredService<IGroupOffsetStore>();
    private GroupCoordinator Coordinator => _broker.Services.GetRequiredService<GroupCoordinator>();

    [Test]
    public async Task EmptyGroupsPastRetention_LoseTheirOffsetsAndDisappear_WhileRecentCommitsStay()
    {
        string topic = CreateTopic();
        string formerMembers = UniqueNames.For("left-group");
        string standalone = UniqueNames.For("standalone-group");
        string recent = UniqueNames.For("recent-group");
        // A group whose member committed and then left: it becomes empty now.
        var config = KafkaTestClients.ConsumerConfig(_broker.BootstrapServers, formerMembers);
        using (var member = KafkaTestClients.BuildConsumer<string, string>(config))
        {
            member.Subscribe(topic);
            Assert.That(() => member.Consume(TimeSpan.FromMilliseconds(100)) is null && member.Assignment.Count > 0, Is.True.After(20_000, 10));
            member.Commit([new TopicPartitionOffset(topic, 0, 1)]);
            member.Close();
        }
        Assert.That(() => Coordinator.DescribeGroup(formerMembers).State, Is.EqualTo(GroupState.Empty).After(10_000, 50));
        // Standalone commits (generation -1, never a member) expire one by one from their commit time.
        Assert.That(Coordinator.CommitOffsets(standalone, -1, "", [(topic, 0, 2, -1, null)]), Is.EqualTo(BrokerError.None));

        _clock.Advance(Retention / 2);
        Assert.That(Coordinator.CommitOffsets(recent, -1, "", [(topic, 0, 3, -1, null)]), Is.EqualTo(BrokerError.None));
        _clock.Advance(Retention / 2 + TimeSpan.FromMinutes(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => Offsets.GetAll(formerMembers), Is.Empty.After(10_000, 50), "empty for longer than the retention");
            Assert.That(() => Offsets.GetAll(standalone), Is.Empty.After(10_000, 50), "committed longer ago than the retention");
            Assert.That(() => Coordinator.ListGroups().Select(g => g.GroupId), Does.Not.Contain(formerMembers).And.Not.Contain(standalone).After(10_000, 50));
            Assert.That(Offsets.GetAll(recent).Select(o => o.Offset.Offset), Is.EqualTo(new[] { 3L }), "committed within the retention");
            Assert.That(Coordinator.DescribeGroup(formerMembers).State, Is.EqualTo(GroupState.Dead));
        }
    }

    [Test]
    public async Task GroupWithAMember_KeepsItsOffsetsPastRetention()
    {
        string topic = CreateTopic();
        string group = UniqueNames.For("live-group");
        // A session as long as the broker allows (30 min): the heartbeats below keep the member, the clock moves in 20-minute steps.
        var joined = await Coordinator.JoinGroupAsync(new JoinGroupCommand(group, "", null, "client", "127.0.0.1", 1_800_000, 30_000, "consumer",
            [new MlPipeline.Broker.Groups.GroupProtocol("range", [0])], RequireKnownMemberId: false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await Coordinator.SyncGroupAsync(group, joined.GenerationId, joined.MemberId, [(joined.MemberId, [1])], CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(Coordinator.CommitOffsets(group, joined.GenerationId, joined.MemberId, [(topic, 0, 4, -1, null)]), Is.EqualTo(BrokerError.None));

        // Twenty minutes at a time, heartbeating in between: the member stays, so its group is never empty.
        for (int i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(20));
            Assert.That(Coordinator.Heartbeat(group, joined.GenerationId, joined.MemberId), Is.EqualTo(BrokerError.None));
        }
        Coordinator.ExpireGroups(_clock.GetUtcNow());

        Assert.That(Offsets.GetAll(group).Select(o => o.Offset.Offset), Is.EqualTo(new[] { 4L }));
    }

    [Test]
    public void IdleIdempotentProducer_IsForgottenAfterTheExpiration_AnActiveOneIsNot()
    {
        string topic = CreateTopic();
        var partition = Topics.GetPartition(topic, 0)!;
        Append(partition, producerId: 101, sequence: 0);
        _clock.Advance(Retention / 2);
        Append(partition, producerId: 202, sequence: 0);
        _clock.Advance(Retention / 2 + TimeSpan.FromMinutes(2));

        Assert.That(() => partition.KnowsProducer(101), Is.False.After(10_000, 50), "idle longer than producer.id.expiration.ms");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(partition.KnowsProducer(202), Is.True, "wrote within the expiration");
            // A forgotten producer is accepted at any sequence, like a new one; a remembered one still must not skip.
            Assert.That(Append(partition, producerId: 101, sequence: 7), Is.EqualTo(BrokerError.None));
            Assert.That(Append(partition, producerId: 202, sequence: 7), Is.EqualTo(BrokerError.OutOfOrderSequenceNumber));
        }
    }

    private string CreateTopic()
    {
        string topic = UniqueNames.For("expiry");
        Assert.That(Topics.Create(topic, 1, 1, [], validateOnly: false).Error, Is.EqualTo(BrokerError.None));
        return topic;
    }

    private static BrokerError Append(PartitionState partition, long producerId, int sequence)
    {
        byte[] batch = new RecordBatchBuilder().WithProducer(producerId, 0, sequence).Add("k", "v", 1_700_000_000_000).Build();
        RecordBatchValidator.Validate(batch, int.MaxValue, out var header, out _);
        return partition.Append(batch, header).Error;
    }
}
