using MlPipeline.Core.Messaging.Administration;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class TopicAdministratorTests
{
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync(autoCreateTopics: false);

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task EnsureTopicsAsync_CalledTwice_CreatesOnceAndThenReportsExisting()
    {
        using var administrator = broker.CreateAdministrator();
        var specs = new[]
        {
            new TopicSpec(MessagingTestBroker.UniqueName("raw"), Partitions: 3, RetentionMs: 3_600_000),
            new TopicSpec(MessagingTestBroker.UniqueName("alerts"), Partitions: 1),
        };

        var first = await administrator.EnsureTopicsAsync(specs, CancellationToken.None);
        var second = await administrator.EnsureTopicsAsync(specs, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Created, Is.EquivalentTo(specs.Select(spec => spec.Name)));
            Assert.That(first.AlreadyExisting, Is.Empty);
            Assert.That(second.Created, Is.Empty);
            Assert.That(second.AlreadyExisting, Is.EquivalentTo(specs.Select(spec => spec.Name)));
        }
    }

    [Test]
    public async Task ListTopicsAsync_AfterEnsure_IncludesTheTopics()
    {
        using var administrator = broker.CreateAdministrator();
        var name = MessagingTestBroker.UniqueName("listed");
        await administrator.EnsureTopicsAsync([new TopicSpec(name)], CancellationToken.None);

        var topics = await administrator.ListTopicsAsync(CancellationToken.None);

        Assert.That(topics, Does.Contain(name));
    }

    [Test]
    public async Task DescribeTopicAsync_ExistingTopic_ReturnsItsPartitionsWithLeader()
    {
        using var administrator = broker.CreateAdministrator();
        var name = MessagingTestBroker.UniqueName("described");
        await administrator.EnsureTopicsAsync([new TopicSpec(name, Partitions: 4)], CancellationToken.None);

        var topic = await administrator.DescribeTopicAsync(name, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topic, Is.Not.Null);
            Assert.That(topic!.Partitions.Select(partition => partition.Partition), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(topic.Partitions, Has.All.Matches<TopicPartitionInfo>(partition => partition.Leader >= 0));
        }
    }

    [Test]
    public async Task DescribeTopicAsync_UnknownTopic_ReturnsNull()
    {
        using var administrator = broker.CreateAdministrator();

        var topic = await administrator.DescribeTopicAsync(MessagingTestBroker.UniqueName("unknown"), CancellationToken.None);

        Assert.That(topic, Is.Null);
    }
}
