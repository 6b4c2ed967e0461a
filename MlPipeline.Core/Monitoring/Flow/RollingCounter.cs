namespace MlPipeline.Core.Monitoring;

/// <summary>
/// A count with a total and a ring of fixed-width time buckets (bucket id = whole bucket widths since the epoch),
/// so "how many in the last N buckets" and a time series cost nothing to keep. Thread-safe.
/// </summary>
internal sealed class RollingCounter
{
    private readonly Lock gate = new();
    private readonly long[] counts;
    private readonly long[] bucketIds;
    private long total;

    public RollingCounter(int bucketCount)
    {
        counts = new long[bucketCount];
        bucketIds = Enumerable.Repeat(-1L, bucketCount).ToArray();
    }

    public long Total
    {
        get
        {
            lock (gate)
            {
                return total;
            }
        }
    }

    public void Add(long bucketId, long count)
    {
        lock (gate)
        {
            var slot = (int)(bucketId % counts.Length);
            if (bucketIds[slot] != bucketId)
            {
                bucketIds[slot] = bucketId;
                counts[slot] = 0;
            }

            counts[slot] += count;
            total += count;
        }
    }

    /// <summary>Sum of the buckets from <paramref name="firstBucketId"/> to <paramref name="lastBucketId"/>, both included.</summary>
    public long Sum(long firstBucketId, long lastBucketId)
    {
        lock (gate)
        {
            long sum = 0;
            for (var slot = 0; slot < counts.Length; slot++)
            {
                if (bucketIds[slot] >= firstBucketId && bucketIds[slot] <= lastBucketId)
                {
                    sum += counts[slot];
                }
            }

            return sum;
        }
    }

    /// <summary>One count per bucket, oldest first, ending with <paramref name="lastBucketId"/>.</summary>
    public long[] Series(long lastBucketId, int points)
    {
        lock (gate)
        {
            var series = new long[points];
            for (var index = 0; index < points; index++)
            {
                var bucketId = lastBucketId - points + 1 + index;
                var slot = (int)(((bucketId % counts.Length) + counts.Length) % counts.Length);
                series[index] = bucketIds[slot] == bucketId ? counts[slot] : 0;
            }

            return series;
        }
    }
}
