using System.Buffers;
using System.Collections.Concurrent;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>
/// An in-memory store whose appends to (or reads of) chosen partitions throw <see cref="IOException"/>, as a full
/// or failing disk does: the storage under the broker is faked, never the Kafka client. Faults can be switched on
/// and off while the broker runs; <see cref="FailedAppends"/> counts the appends that were refused.
/// Creating a topic fails while <see cref="FailTopicCreation"/> is set, committing offsets while <see cref="FailOffsetCommits"/> is.
/// </summary>
internal sealed class FaultyDiskLogStore : ILogStore
{
    private readonly InMemoryLogStore _inner = new();
    private readonly FaultyOffsetStore _offsets;
    // (topic, partition) => failing now
    private readonly ConcurrentDictionary<(string Topic, int Partition), bool> _failing = new();
    // (topic, partition) => reads failing now
    private readonly ConcurrentDictionary<(string Topic, int Partition), bool> _failingReads = new();
    private int _failedAppends;

    public FaultyDiskLogStore() => _offsets = new FaultyOffsetStore(_inner.Offsets, this);

    public IGroupOffsetStore Offsets => _offsets;

    public bool FailOffsetCommits { get; set; }

    public int FailedAppends => Volatile.Read(ref _failedAppends);

    public void FailAppends(string topic, int partition) => _failing[(topic, partition)] = true;

    public void Heal(string topic, int partition) => _failing[(topic, partition)] = false;

    public void FailReads(string topic, int partition) => _failingReads[(topic, partition)] = true;

    public void HealReads(string topic, int partition) => _failingReads[(topic, partition)] = false;

    public bool FailTopicCreation { get; set; }

    public IReadOnlyList<TopicDescriptor> LoadTopics() => _inner.LoadTopics();

    public void CreateTopic(TopicDescriptor topic)
    {
        if (FailTopicCreation) throw new IOException($"Read-only file system : '/faulty-disk/__topics/{topic.Name}.json'");
        _inner.CreateTopic(topic);
    }

    public void DeleteTopic(string name) => _inner.DeleteTopic(name);

    public IPartitionLog OpenPartition(TopicDescriptor topic, int partition) =>
        new FaultyPartitionLog(_inner.OpenPartition(topic, partition), this, (topic.Name, partition));

    public void Dispose() => _inner.Dispose();

    private bool ShouldFail((string Topic, int Partition) key)
    {
        if (!_failing.TryGetValue(key, out bool failing) || !failing) return false;
        Interlocked.Increment(ref _failedAppends);
        return true;
    }

    private sealed class FaultyPartitionLog(IPartitionLog inner, FaultyDiskLogStore disk, (string Topic, int Partition) key) : IPartitionLog
    {
        public long LogStartOffset => inner.LogStartOffset;

        public long LogEndOffset => inner.LogEndOffset;

        public long SizeInBytes => inner.SizeInBytes;

        public long Append(ReadOnlySpan<byte> batch) =>
            disk.ShouldFail(key) ? throw new IOException($"No space left on device : '/faulty-disk/{key.Topic}-{key.Partition}/00000000000000000000.log'") : inner.Append(batch);

        public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
        {
            if (!disk._failingReads.TryGetValue(key, out bool failing) || !failing) return inner.Read(offset, maxBytes, destination);
            // Copy first, then fail, as a read that breaks in its second segment does: the caller must drop the part.
            inner.Read(offset, maxBytes, destination);
            throw new IOException($"Input/output error : '/faulty-disk/{key.Topic}-{key.Partition}/00000000000000000000.log'");
        }

        public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp) => inner.FindOffsetByTimestamp(timestamp);

        public void Flush() => inner.Flush();

        public int ApplyRetention(DateTimeOffset now) => inner.ApplyRetention(now);

        public void Dispose() => inner.Dispose();
    }

    private sealed class FaultyOffsetStore(IGroupOffsetStore inner, FaultyDiskLogStore disk) : IGroupOffsetStore
    {
        public IReadOnlyCollection<string> Groups => inner.Groups;

        public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
        {
            if (disk.FailOffsetCommits) throw new IOException("No space left on device : '/faulty-disk/__group_offsets/offsets.journal'");
            inner.Commit(group, offsets);
        }

        public bool TryGet(string group, string topic, int partition, out CommittedOffset offset) => inner.TryGet(group, topic, partition, out offset);

        public IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group) => inner.GetAll(group);

        public void DeleteTopic(string topic) => inner.DeleteTopic(topic);

        public void DeleteGroup(string group) => inner.DeleteGroup(group);

        public int ExpireOffsets(string group, long committedBeforeMs) => inner.ExpireOffsets(group, committedBeforeMs);
    }
}
