using System.Collections.Concurrent;

namespace MlPipeline.Core.Monitoring;

/// <summary>What a stage did with messages, counted since start and per time bucket.</summary>
public enum FlowCount
{
    Consumed,
    Handled,
    Failed,
    Retried,
    DeadLettered,
}

/// <summary>
/// The in-process store behind <c>/api/status</c>, the dashboard and the window-based alert rules: per consumer group
/// (stage) the totals of <see cref="FlowCount"/> and rolling buckets of them, plus produced records per topic.
/// Prometheus gets the same events through the meter; this store exists because a scrape endpoint cannot answer
/// "how many in the last five minutes" or draw a time series.
/// </summary>
public sealed class MessageFlowStatistics
{
    /// <summary>Points in each throughput series.</summary>
    public const int SeriesPoints = 60;

    private readonly TimeProvider timeProvider;
    private readonly int bucketCount;
    private readonly ConcurrentDictionary<string, GroupCounters> groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RollingCounter> produced = new(StringComparer.Ordinal);

    /// <param name="bucketWidth">Time covered by one bucket (one point of a series).</param>
    /// <param name="history">The longest window any query asks about; at least <see cref="SeriesPoints"/> buckets are kept.</param>
    public MessageFlowStatistics(TimeProvider timeProvider, TimeSpan bucketWidth, TimeSpan history)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucketWidth, TimeSpan.Zero);
        this.timeProvider = timeProvider;
        BucketWidth = bucketWidth;
        bucketCount = Math.Max(SeriesPoints, (int)Math.Ceiling(history / bucketWidth) + 1);
    }

    public TimeSpan BucketWidth { get; }

    public void Record(string groupId, string topic, FlowCount kind, long count = 1)
    {
        var counters = groups.GetOrAdd(groupId, _ => new GroupCounters(bucketCount));
        counters.Counts[(int)kind].Add(CurrentBucket(), count);
        counters.Topics.TryAdd(topic, 0);
    }

    public void RecordProduced(string topic, long count) =>
        produced.GetOrAdd(topic, _ => new RollingCounter(bucketCount)).Add(CurrentBucket(), count);

    /// <summary>Every group seen so far, in name order.</summary>
    public IReadOnlyList<string> Groups => groups.Keys.Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyList<string> TopicsOf(string groupId) =>
        groups.TryGetValue(groupId, out var counters) ? counters.Topics.Keys.Order(StringComparer.Ordinal).ToArray() : [];

    public long Total(string groupId, FlowCount kind) =>
        groups.TryGetValue(groupId, out var counters) ? counters.Counts[(int)kind].Total : 0;

    /// <summary>Count within the last <paramref name="window"/> (rounded up to whole buckets, current one included).</summary>
    public long Within(string groupId, FlowCount kind, TimeSpan window) =>
        groups.TryGetValue(groupId, out var counters) ? SumWithin(counters.Counts[(int)kind], window) : 0;

    /// <summary>Per bucket, oldest first, the current (partial) bucket last.</summary>
    public long[] Series(string groupId, FlowCount kind) =>
        groups.TryGetValue(groupId, out var counters)
            ? counters.Counts[(int)kind].Series(CurrentBucket(), SeriesPoints)
            : new long[SeriesPoints];

    /// <summary>Per second over the last complete <paramref name="window"/> (the current partial bucket left out, so the figure does not dip at every bucket start).</summary>
    public double RatePerSecond(string groupId, FlowCount kind, TimeSpan window)
    {
        if (!groups.TryGetValue(groupId, out var counters))
        {
            return 0;
        }

        var buckets = Math.Max(1, (long)Math.Ceiling(window / BucketWidth));
        var last = CurrentBucket() - 1;
        return counters.Counts[(int)kind].Sum(last - buckets + 1, last) / (buckets * BucketWidth.TotalSeconds);
    }

    public IReadOnlyDictionary<string, long> ProducedTotals =>
        produced.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(pair => pair.Key, pair => pair.Value.Total, StringComparer.Ordinal);

    private long SumWithin(RollingCounter counter, TimeSpan window)
    {
        var now = CurrentBucket();
        var buckets = Math.Max(1, (long)Math.Ceiling(window / BucketWidth));
        return counter.Sum(now - buckets + 1, now);
    }

    private long CurrentBucket() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / (long)BucketWidth.TotalMilliseconds;

    private sealed class GroupCounters(int bucketCount)
    {
        public RollingCounter[] Counts { get; } =
            Enumerable.Range(0, Enum.GetValues<FlowCount>().Length).Select(_ => new RollingCounter(bucketCount)).ToArray();

        // A set: the value is unused.
        public ConcurrentDictionary<string, byte> Topics { get; } = new(StringComparer.Ordinal);
    }
}
