using MlPipeline.Broker;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using MlPipeline.Tests.Infrastructure;
using static MlPipeline.Tests.Broker.Storage.PartitionLogTestData;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>
/// Open files follow the partitions, not the segments on disk: a sealed segment is opened only while read, through a
/// small cache shared by every partition, so a long log (or a tiny segment.bytes) cannot exhaust the process's file
/// descriptors, and reopening it needs no more files than the cache allows.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class SegmentFileHandleTests
{
    private const int CacheCapacity = 3;
    private const int Partitions = 2;
    private const int BatchesPerPartition = 60;
    private readonly TemporaryDirectory _directory = new("segment-handles");

    [TearDown]
    public void DeleteFiles() => _directory.Dispose();

    [Test]
    public void ManySealedSegments_AreReadableInFull_WhileOpenFilesStayWithinActiveSegmentsPlusTheCache()
    {
        var files = new SegmentFileCache(CacheCapacity);
        var batch = ABatch(0, 1);
        // One batch per segment: every append after the first seals a segment.
        var config = new TopicConfig { SegmentBytes = batch.Length };
        var logs = Enumerable.Range(0, Partitions).Select(p => Open(files, config, p)).ToArray();
        try
        {
            for (var i = 0; i < BatchesPerPartition; i++)
                foreach (var log in logs)
                    log.Append(ABatch(i, 1));
            int afterAppends = files.OpenFiles;

            // Read every partition from the start, a batch at a time: each read of a sealed segment rents its file.
            var readCounts = logs.Select(log => ReadAllBatches(log)).ToArray();
            int afterReads = files.OpenFiles;

            using (Assert.EnterMultipleScope())
            {
                Assert.That(Directory.GetFiles(_directory.Path, "*.log", SearchOption.AllDirectories), Has.Length.EqualTo(Partitions * BatchesPerPartition));
                Assert.That(afterAppends, Is.EqualTo(Partitions), "only the active segments are open after appending");
                Assert.That(readCounts, Is.All.EqualTo(BatchesPerPartition), "every batch of every sealed segment was read");
                Assert.That(afterReads, Is.LessThanOrEqualTo(Partitions + CacheCapacity));
            }
        }
        finally
        {
            foreach (var log in logs) log.Dispose();
        }
        Assert.That(files.OpenFiles, Is.Zero, "closing the logs closes every file");

        var reopened = Enumerable.Range(0, Partitions).Select(p => Open(files, config, p)).ToArray();
        try
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(files.OpenFiles, Is.LessThanOrEqualTo(Partitions + CacheCapacity), "reopening does not open every segment");
                Assert.That(reopened.Select(log => log.LogEndOffset), Is.All.EqualTo(BatchesPerPartition));
                Assert.That(reopened.Select(log => ReadAllBatches(log)), Is.All.EqualTo(BatchesPerPartition));
            }
        }
        finally
        {
            foreach (var log in reopened) log.Dispose();
        }
    }

    [Test]
    public void RetentionDeletingCachedSegments_ClosesTheirFiles()
    {
        var files = new SegmentFileCache(CacheCapacity);
        var batch = ABatch(0, 1, timestamp: 1_000);
        using var log = Open(files, new TopicConfig { SegmentBytes = batch.Length, RetentionMs = 10 }, 0);
        for (var i = 0; i < 10; i++) log.Append(ABatch(i, 1, timestamp: 1_000));
        ReadAllBatches(log); // fills the cache with sealed segments

        int removed = log.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(removed, Is.EqualTo(9));
            Assert.That(files.OpenFiles, Is.EqualTo(1), "only the active segment is left open");
        }
    }

    private FilePartitionLog Open(SegmentFileCache files, TopicConfig config, int partition) =>
        new(Path.Combine(_directory.Path, $"topic-{partition}"), config, FlushPolicy.Interval, files, onDisposed: null);

    private static int ReadAllBatches(IPartitionLog log)
    {
        int batches = 0;
        for (long offset = log.LogStartOffset; offset < log.LogEndOffset; offset++)
        {
            Assert.That(ReadBytes(log, offset, maxBytes: 1), Is.Not.Empty, $"offset {offset}");
            batches++;
        }
        return batches;
    }
}
