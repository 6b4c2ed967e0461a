using Microsoft.Win32.SafeHandles;

namespace MlPipeline.Broker.Storage.Files;

/// <summary>
/// The open files of sealed segments, shared by every partition of a store: at most <see cref="Capacity"/> of them
/// stay open, least recently used closed first, so the number of open files follows the number of partitions (each
/// keeps its active segment open) plus this small cache, never the number of segments on disk. A handle in use by a
/// read is never closed under it: a segment is rented for a read and returned after, and only unrented handles are
/// evicted (with every handle rented, the cache runs over capacity until reads return them).
/// Also counts every segment file the store holds open, active ones included (<see cref="OpenFiles"/>).
/// Thread-safe: the cache's bookkeeping (and each segment's cached handle) is guarded by <c>_gate</c>.
/// </summary>
internal sealed class SegmentFileCache(int capacity)
{
    private readonly Lock _gate = new();
    // most recently used first; only segments whose cached handle is open
    private readonly LinkedList<LogSegment> _lru = new();
    private int _openFiles;

    public int Capacity { get; } = capacity;

    /// <summary>Segment files open right now: active segments plus cached sealed ones.</summary>
    public int OpenFiles => Volatile.Read(ref _openFiles);

    /// <summary>Counts a handle a segment keeps open itself (its active file).</summary>
    public void PinnedOpened() => Interlocked.Increment(ref _openFiles);

    /// <summary>Counts a handle a segment closed itself.</summary>
    public void PinnedClosed() => Interlocked.Decrement(ref _openFiles);

    /// <summary>The sealed segment's handle, opened if needed; give it back with <see cref="Return"/>.</summary>
    public SafeFileHandle Rent(LogSegment segment)
    {
        lock (_gate)
        {
            ref var entry = ref segment.CacheEntry;
            if (entry.Handle is null)
            {
                // Read-only: a sealed segment is never written again. Delete is shared so retention can remove it.
                entry.Handle = File.OpenHandle(segment.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                entry.Node = _lru.AddFirst(segment);
                Interlocked.Increment(ref _openFiles);
            }
            else if (entry.Node is { } node && node != _lru.First)
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
            }
            entry.Users++;
            var handle = entry.Handle;
            EvictOverCapacity();
            return handle;
        }
    }

    public void Return(LogSegment segment)
    {
        lock (_gate)
        {
            segment.CacheEntry.Users--;
            EvictOverCapacity();
        }
    }

    /// <summary>Closes the segment's cached handle (the segment is closed or deleted; no read holds it).</summary>
    public void Forget(LogSegment segment)
    {
        lock (_gate)
        {
            Close(ref segment.CacheEntry);
        }
    }

    private void EvictOverCapacity()
    {
        var node = _lru.Last;
        while (_lru.Count > Capacity && node is not null)
        {
            var previous = node.Previous;
            if (node.Value.CacheEntry.Users == 0) Close(ref node.Value.CacheEntry);
            node = previous;
        }
    }

    private void Close(ref CachedSegmentFile entry)
    {
        if (entry.Handle is null) return;
        entry.Handle.Dispose();
        entry.Handle = null;
        if (entry.Node is not null) _lru.Remove(entry.Node);
        entry.Node = null;
        Interlocked.Decrement(ref _openFiles);
    }
}

/// <summary>A sealed segment's place in the <see cref="SegmentFileCache"/>; only touched under the cache's lock.</summary>
internal struct CachedSegmentFile
{
    public SafeFileHandle? Handle;
    public LinkedListNode<LogSegment>? Node;
    public int Users;
}
