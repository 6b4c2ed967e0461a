using System.Collections.Concurrent;

namespace MlPipeline.Broker.Storage;

/// <summary>
/// Everything in memory (fast tests, <see cref="BrokerOptions.DataDirectory"/> null). Partition logs are
/// kept per (topic, partition) so that re-opening a partition returns the same data until the topic is deleted.
/// </summary>
public sealed class InMemoryLogStore : ILogStore
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), InMemoryPartitionLog> _partitions = new();
    private readonly InMemoryGroupOffsetStore _offsets = new();

    public IGroupOffsetStore Offsets => _offsets;

    public IReadOnlyList<TopicDescriptor> LoadTopics() => [];

    public void CreateTopic(TopicDescriptor topic)
    {
        // Nothing outlives the process, so there is nothing to record.
    }

    public void DeleteTopic(string name)
    {
        foreach (var key in _partitions.Keys.Where(k => k.Topic == name).ToArray())
            _partitions.TryRemove(key, out _);
        _offsets.DeleteTopic(name);
    }

    public IPartitionLog OpenPartition(TopicDescriptor topic, int partition) =>
        _partitions.GetOrAdd((topic.Name, partition), _ => new InMemoryPartitionLog(topic.Config));

    /// <summary>Nothing to flush; present so callers can treat both stores alike.</summary>
    public void FlushAll()
    {
        // In memory there is no stable storage to force data to.
    }

    public void Dispose() => _partitions.Clear();
}
