using System.Collections.Concurrent;

namespace MlPipeline.Broker.Storage;

/// <summary>
/// Committed offsets kept in memory only (the in-memory store, and the cache of the file store). Reads are lock-free;
/// changes take <c>_writeGate</c>, so an expiry that removes a group's last offsets cannot drop a commit racing it.
/// </summary>
public sealed class InMemoryGroupOffsetStore : IGroupOffsetStore
{
    private readonly Lock _writeGate = new();
    // group => (topic, partition) => offset
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Topic, int Partition), CommittedOffset>> _groups = new();

    public IReadOnlyCollection<string> Groups => _groups.Keys.ToArray();

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        lock (_writeGate)
        {
            var partitions = _groups.GetOrAdd(group, _ => new());
            foreach (var (topic, partition, offset) in offsets)
                partitions[(topic, partition)] = offset;
        }
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
        lock (_writeGate)
        {
            foreach (var partitions in _groups.Values)
                foreach (var key in partitions.Keys.Where(k => k.Topic == topic).ToArray())
                    partitions.TryRemove(key, out _);
        }
    }

    public void DeleteGroup(string group)
    {
        lock (_writeGate) _groups.TryRemove(group, out _);
    }

    public int ExpireOffsets(string group, long committedBeforeMs)
    {
        lock (_writeGate)
        {
            if (!_groups.TryGetValue(group, out var partitions)) return 0;
            int removed = 0;
            foreach (var (key, offset) in partitions)
                if (offset.CommitTimestampMs < committedBeforeMs && partitions.TryRemove(key, out _)) removed++;
            if (partitions.IsEmpty) _groups.TryRemove(group, out _);
            return removed;
        }
    }

    /// <summary>
    /// Sets one offset without the allocations of <see cref="Commit"/>'s list (the file store's replay applies a
    /// journal of any length through this).
    /// </summary>
    internal void Set(string group, string topic, int partition, CommittedOffset offset)
    {
        lock (_writeGate) _groups.GetOrAdd(group, static _ => new())[(topic, partition)] = offset;
    }

    /// <summary>Committed offsets held in all.</summary>
    public int Count => _groups.Values.Sum(partitions => partitions.Count);
}
