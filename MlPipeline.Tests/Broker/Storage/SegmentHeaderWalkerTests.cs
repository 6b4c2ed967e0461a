using MlPipeline.Broker.Storage.Files;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;
using static MlPipeline.Tests.Broker.Storage.PartitionLogTestData;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>The header walk that producer-state recovery replays: only whole batches inside the visible bytes.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class SegmentHeaderWalkerTests
{
    [Test]
    public void BatchThatRunsPastTheVisibleBytes_IsNotReported()
    {
        using var directory = new TemporaryDirectory();
        using var segment = LogSegment.CreateNew(directory.Path, 0, new SegmentFileCache(4));
        var first = ABatch(0, 2, valueBytes: 10);
        var second = ABatch(2, 2, valueBytes: 10);
        AppendAt(segment, first, 0);
        AppendAt(segment, second, 2);
        var headers = new List<RecordBatchHeader>();

        // The second batch's header is visible, its records are not: it is not (yet) part of the log.
        SegmentHeaderWalker.ForEach(segment, first.Length + RecordBatchHeader.Size, headers.Add);

        Assert.That(headers.Select(h => h.BaseOffset), Is.EqualTo(new long[] { 0 }));
    }

    private static void AppendAt(LogSegment segment, byte[] batch, long baseOffset)
    {
        var prefix = batch[..RecordBatchHeader.CrcPosition];
        RecordBatchHeader.AssignOffset(prefix, baseOffset);
        segment.Append(prefix, batch.AsSpan(RecordBatchHeader.CrcPosition), RecordBatchHeader.Parse(batch), baseOffset, flushToDisk: false);
    }
}
