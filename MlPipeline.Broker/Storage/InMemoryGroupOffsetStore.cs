using System.Collections.Concurrent;

namespace MlPipeline.Broker.Storage;

/// <summary>Committed offsets kept in memory only (the in-memory store, and the cache of the file store).</summary>
public sealed class InMemoryGroupOffsetStore : IGroupOffsetStore
{
    // group => (topic, partition) => offset
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Topic, int Partition), CommittedOffset>> _groups = new();

    public IReadOnlyCollection<string> Groups => _groups.Keys.ToArray();

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        var partitions = _groups.GetOrAdd(group, _ => new());
        foreach (var (topic, partition, offset) in offsets)
            partitions[(topic, partition)] = offset;
    }

    public bool TryGet(string group, string topic, int partition, out CommittedOffset offset)
    {
        offset = default;
        return _groups.TryGetValue(group, out var partitions) && partitions.TryGetValue((topic, partition), out offset);
    }

    public IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group) =>
        _groups.TryGetValue(group, out var partitions)
            ? partitions.OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Partition)
                .Select(p => (p.Key.Topic, p.Key.Partition, p.Value)).ToArray()
            : [];

    public void DeleteTopic(string topic)
    {
        foreach (var partitions in _groups.Values)
            foreach (var key in partitions.Keys.Where(k => k.Topic == topic).ToArray())
                partitions.TryRemove(key, out _);
    }

    public void DeleteGroup(string group) => _groups.TryRemove(group, out _);
}
