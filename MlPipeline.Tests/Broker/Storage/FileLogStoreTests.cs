using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using static MlPipeline.Tests.Broker.Storage.PartitionLogTestData;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Storage;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileLogStoreTests
{
    private readonly TemporaryDirectory _directory = new();

    private BrokerOptions Options => new() { DataDirectory = _directory.Path };

    [TearDown]
    public void DeleteFiles() => _directory.Dispose();

    private static TopicDescriptor ATopic(string name, int partitions = 2) =>
        new(name, Guid.NewGuid(), partitions, new TopicConfig
        {
            RetentionMs = 60_000,
            SegmentBytes = 4096,
            Overrides = new Dictionary<string, string> { ["retention.ms"] = "60000" },
        });

    [Test]
    public void Reopen_RecoversTopicsAndTheirPartitionData()
    {
        var orders = ATopic("orders");
        using (var store = new FileLogStore(Options))
        {
            store.CreateTopic(orders);
            store.CreateTopic(ATopic("a-1", partitions: 1));
            using var partition1 = store.OpenPartition(orders, 1);
            for (var i = 0; i < 50; i++)
                partition1.Append(ABatch(i * 3, 3, valueBytes: 50));
        }

        using var reopened = new FileLogStore(Options);
        var topics = reopened.LoadTopics();
        var recovered = topics.Single(t => t.Name == "orders");
        using var log = reopened.OpenPartition(recovered, 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topics.Select(t => t.Name), Is.EqualTo(new[] { "a-1", "orders" }));
            Assert.That(recovered.TopicId, Is.EqualTo(orders.TopicId));
            Assert.That(recovered.PartitionCount, Is.EqualTo(2));
            Assert.That(recovered.Config.RetentionMs, Is.EqualTo(60_000));
            Assert.That(recovered.Config.Overrides, Is.EquivalentTo(orders.Config.Overrides));
            Assert.That(log.LogEndOffset, Is.EqualTo(150));
            Assert.That(ReadAllValues(log), Has.Count.EqualTo(150));
        }
    }

    [Test]
    public void DeleteTopic_RemovesDescriptorDataAndCommits_ButNotSimilarlyNamedTopics()
    {
        using var store = new FileLogStore(Options);
        var topic = ATopic("a");
        var other = ATopic("a-b", partitions: 1);
        store.CreateTopic(topic);
        store.CreateTopic(other);
        store.OpenPartition(topic, 0).Dispose();
        store.OpenPartition(other, 0).Dispose();
        store.Offsets.Commit("g", [("a", 0, new CommittedOffset(5, 0, null, 1))]);

        store.DeleteTopic("a");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(store.LoadTopics().Select(t => t.Name), Is.EqualTo(new[] { "a-b" }));
            Assert.That(Directory.Exists(Path.Combine(_directory.Path, "a-0")), Is.False);
            Assert.That(Directory.Exists(Path.Combine(_directory.Path, "a-b-0")), Is.True);
            Assert.That(store.Offsets.TryGet("g", "a", 0, out _), Is.False);
        }
    }

    [Test]
    public void FlushAll_WithOpenPartitions_Succeeds()
    {
        using var store = new FileLogStore(Options);
        var topic = ATopic("t");
        using var log = store.OpenPartition(topic, 0);
        log.Append(ABatch(0, 2));

        Assert.That(store.FlushAll, Throws.Nothing);
    }

    [Test]
    public void AddBrokerStorage_WithDataDirectory_RegistersFileStoreAndItsOffsets()
    {
        using var provider = new ServiceCollection().AddBrokerStorage(Options).BuildServiceProvider();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(provider.GetRequiredService<ILogStore>(), Is.TypeOf<FileLogStore>());
            Assert.That(provider.GetRequiredService<IGroupOffsetStore>(), Is.SameAs(provider.GetRequiredService<ILogStore>().Offsets));
        }
    }

    [Test]
    public void AddBrokerStorage_WithoutDataDirectory_RegistersInMemoryStore()
    {
        using var provider = new ServiceCollection().AddBrokerStorage(new BrokerOptions()).BuildServiceProvider();

        Assert.That(provider.GetRequiredService<ILogStore>(), Is.TypeOf<InMemoryLogStore>());
    }
}
