using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Serving;

/// <summary>Where a request id stands in <see cref="PredictionResultCache"/>.</summary>
public enum PredictionLookupState
{
    /// <summary>Never issued by this instance, or forgotten (evicted or expired).</summary>
    Unknown,
    Pending,
    Completed,
}

public readonly record struct PredictionLookup(PredictionLookupState State, PredictionResult? Result);

/// <summary>
/// The request ids this API instance issued and the results that came back for them, bounded in size and time: an id
/// is forgotten <c>ttl</c> after it was issued, or earlier when more than <c>capacity</c> ids are held (oldest
/// first). Results for ids it never issued (other instances' requests on the shared topic) are ignored, so they
/// cannot crowd out its own. Thread-safe.
/// </summary>
public sealed class PredictionResultCache
{
    private readonly int capacity;
    private readonly TimeSpan timeToLive;
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    // Issue order, which is also expiry order because every entry lives the same time.
    private readonly LinkedList<Entry> byAge = new();

    public PredictionResultCache(int capacity, TimeSpan timeToLive, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        this.capacity = capacity;
        this.timeToLive = timeToLive;
        this.timeProvider = timeProvider;
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                RemoveExpired();
                return entries.Count;
            }
        }
    }

    /// <summary>Remembers <paramref name="requestId"/> as pending. Call before the request is sent, so its result cannot arrive first.</summary>
    public void Register(string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        lock (gate)
        {
            RemoveExpired();
            if (entries.ContainsKey(requestId))
            {
                return;
            }

            while (entries.Count >= capacity)
            {
                Remove(byAge.First!.Value);
            }

            var entry = new Entry(requestId, timeProvider.GetUtcNow() + timeToLive);
            entry.Node = byAge.AddLast(entry);
            entries.Add(requestId, entry);
        }
    }

    /// <summary>Stores the result of a pending id; false (and nothing stored) for an id not pending here.</summary>
    public bool TryComplete(string requestId, PredictionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Entry? entry;
        lock (gate)
        {
            RemoveExpired();
            if (!entries.TryGetValue(requestId, out entry) || entry.Result is not null)
            {
                return false;
            }

            entry.Result = result;
        }

        entry.Arrived.TrySetResult(result);
        return true;
    }

    /// <summary>True when <paramref name="requestId"/> is pending here: cheap check before parsing a result.</summary>
    public bool IsPending(string requestId)
    {
        lock (gate)
        {
            return entries.TryGetValue(requestId, out var entry) && entry.Result is null && entry.ExpiresAt > timeProvider.GetUtcNow();
        }
    }

    public PredictionLookup Get(string requestId)
    {
        lock (gate)
        {
            RemoveExpired();
            if (!entries.TryGetValue(requestId, out var entry))
            {
                return new PredictionLookup(PredictionLookupState.Unknown, null);
            }

            return entry.Result is { } result
                ? new PredictionLookup(PredictionLookupState.Completed, result)
                : new PredictionLookup(PredictionLookupState.Pending, null);
        }
    }

    /// <summary>The result of <paramref name="requestId"/> once it arrives within <paramref name="timeout"/>; null if it does not (or the id is unknown).</summary>
    public async Task<PredictionResult?> WaitAsync(string requestId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<PredictionResult?> arrival;
        lock (gate)
        {
            RemoveExpired();
            if (!entries.TryGetValue(requestId, out var entry))
            {
                return null;
            }

            if (entry.Result is { } result)
            {
                return result;
            }

            arrival = entry.Arrived.Task;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        try
        {
            return await arrival.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    // Callers hold the gate.
    private void RemoveExpired()
    {
        var now = timeProvider.GetUtcNow();
        while (byAge.First is { } oldest && oldest.Value.ExpiresAt <= now)
        {
            Remove(oldest.Value);
        }
    }

    private void Remove(Entry entry)
    {
        entries.Remove(entry.RequestId);
        byAge.Remove(entry.Node!);

        // A waiter on a forgotten id stops waiting with "no result" rather than at its timeout.
        entry.Arrived.TrySetResult(null);
    }

    private sealed class Entry(string requestId, DateTimeOffset expiresAt)
    {
        public string RequestId { get; } = requestId;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public LinkedListNode<Entry>? Node { get; set; }

        public PredictionResult? Result { get; set; }

        public TaskCompletionSource<PredictionResult?> Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
