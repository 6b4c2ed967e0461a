namespace MlPipeline.Core.Training;

/// <summary>
/// A set of row numbers kept as sorted, disjoint, non-adjacent ranges, so memory grows with the number of gaps, not
/// with the number of rows. Rows of a dataset arrive mostly in order (one key, one partition), so a dataset of any
/// size is usually a single range; a redelivery or a chunk that overtook another adds a range for a while, and the
/// range merges away once the gap is filled. Not thread-safe: the owner (one dataset's writer) serialises access.
/// </summary>
public sealed class RowNumberSet
{
    // Sorted by Start; ranges neither overlap nor touch (touching ranges are merged on add). Inclusive ends.
    private readonly List<RowRange> ranges = [];

    /// <summary>How many row numbers the set holds.</summary>
    public long Count { get; private set; }

    /// <summary>How many separate ranges hold them (1 for a contiguous run): the measure of this set's memory.</summary>
    public int RangeCount => ranges.Count;

    /// <summary>The ranges, lowest first.</summary>
    public IReadOnlyList<RowRange> Ranges => ranges;

    public bool Contains(long number)
    {
        var index = IndexOfLastStartingAtOrBefore(number);
        return index >= 0 && ranges[index].End >= number;
    }

    /// <summary>Adds <paramref name="number"/>; false when it was already in the set.</summary>
    public bool Add(long number)
    {
        // The common case, checked first: the next row of an in-order stream extends the last range.
        if (ranges.Count > 0 && ranges[^1].End == number - 1 && number != long.MinValue)
        {
            ranges[^1] = ranges[^1] with { End = number };
            Count++;
            return true;
        }

        var before = IndexOfLastStartingAtOrBefore(number);
        if (before >= 0 && ranges[before].End >= number)
        {
            return false;
        }

        var joinsBefore = before >= 0 && ranges[before].End == number - 1;
        var after = before + 1;
        var joinsAfter = after < ranges.Count && ranges[after].Start == number + 1;
        if (joinsBefore && joinsAfter)
        {
            // The number fills the only gap between two ranges: they become one.
            ranges[before] = new RowRange(ranges[before].Start, ranges[after].End);
            ranges.RemoveAt(after);
        }
        else if (joinsBefore)
        {
            ranges[before] = ranges[before] with { End = number };
        }
        else if (joinsAfter)
        {
            ranges[after] = ranges[after] with { Start = number };
        }
        else
        {
            ranges.Insert(after, new RowRange(number, number));
        }

        Count++;
        return true;
    }

    /// <summary>Index of the range with the greatest Start not above <paramref name="number"/>, or -1.</summary>
    private int IndexOfLastStartingAtOrBefore(long number)
    {
        int low = 0, high = ranges.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (ranges[middle].Start <= number)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}

/// <summary>Row numbers <paramref name="Start"/> to <paramref name="End"/>, both included.</summary>
public readonly record struct RowRange(long Start, long End);
