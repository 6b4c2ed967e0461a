using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
public sealed class RowNumberSetTests
{
    private static RowNumberSet SetOf(params long[] numbers)
    {
        var set = new RowNumberSet();
        foreach (var number in numbers)
        {
            set.Add(number);
        }

        return set;
    }

    [Test]
    public void NumbersAddedInOrder_AreKeptAsOneRange()
    {
        var set = new RowNumberSet();
        for (long number = 1; number <= 100_000; number++)
        {
            set.Add(number);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 100_000) }));
            Assert.That(set.Count, Is.EqualTo(100_000));
            Assert.That(set.Contains(1) && set.Contains(50_000) && set.Contains(100_000), Is.True);
            Assert.That(set.Contains(0) || set.Contains(100_001), Is.False);
        }
    }

    [Test]
    public void Duplicates_AreRefusedAndNotCounted()
    {
        var set = SetOf(1, 2, 3, 10);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Add(2), Is.False, "inside a range");
            Assert.That(set.Add(10), Is.False, "a single-number range");
            Assert.That(set.Add(3), Is.False, "the end of a range");
            Assert.That(set.Count, Is.EqualTo(4));
            Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 3), new RowRange(10, 10) }));
        }
    }

    [Test]
    public void NumbersAddedOutOfOrder_LeaveOneRangePerGap()
    {
        var set = SetOf(5, 1, 9, 2, 7);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 2), new RowRange(5, 5), new RowRange(7, 7), new RowRange(9, 9) }));
            Assert.That(set.Contains(3) || set.Contains(4) || set.Contains(6) || set.Contains(8), Is.False);
            Assert.That(set.Count, Is.EqualTo(5));
        }
    }

    [Test]
    public void FillingTheGapBetweenTwoRanges_MergesThemIntoOne()
    {
        var set = SetOf(1, 2, 4, 5);

        var added = set.Add(3);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(added, Is.True);
            Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 5) }));
            Assert.That(set.Count, Is.EqualTo(5));
        }
    }

    [Test]
    public void NumberJustBeforeARange_ExtendsItDownward()
    {
        var set = SetOf(1, 5, 6);

        set.Add(4);

        Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 1), new RowRange(4, 6) }));
    }

    [Test]
    public void ChunksArrivingOutOfOrder_EndAsOneRangeOnceAllArrived()
    {
        // Chunks of 100 rows arriving in the order 3, 1, 4, 2 (a redelivery overtaken by later chunks).
        var set = new RowNumberSet();
        var peakRanges = 0;
        foreach (var chunk in new[] { 3, 1, 4, 2 })
        {
            for (var row = ((chunk - 1) * 100) + 1; row <= chunk * 100; row++)
            {
                set.Add(row);
            }

            peakRanges = Math.Max(peakRanges, set.RangeCount);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Ranges, Is.EqualTo(new[] { new RowRange(1, 400) }));
            Assert.That(peakRanges, Is.EqualTo(2));
        }
    }

    [Test]
    public void RandomOrder_AgreesWithAHashSet()
    {
        var random = new Random(20261125);
        var set = new RowNumberSet();
        var reference = new HashSet<long>();
        for (var i = 0; i < 20_000; i++)
        {
            var number = random.NextInt64(0, 5_000);
            Assert.That(set.Add(number), Is.EqualTo(reference.Add(number)), $"adding {number}");
        }

        var ranges = set.Ranges;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.Count, Is.EqualTo(reference.Count));
            Assert.That(Enumerable.Range(-1, 5_002).Where(n => set.Contains(n)), Is.EqualTo(reference.Order()));
            Assert.That(ranges.Zip(ranges.Skip(1)).All(pair => pair.First.End + 1 < pair.Second.Start), Is.True,
                "ranges are sorted, disjoint and never touch");
        }
    }
}
