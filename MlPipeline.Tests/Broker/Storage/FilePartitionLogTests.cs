using MlPipeline.Broker;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using MlPipeline.Broker.Storage.Records;
using static MlPipeline.Tests.Broker.Storage.PartitionLogTestData;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Storage;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FilePartitionLogTests : PartitionLogContractTests
{
    private readonly TemporaryDirectory _directory = new();
    private readonly List<IPartitionLog> _logs = [];

    private string LogDirectory => Path.Combine(_directory.Path, "topic-0");

    protected override IPartitionLog OpenLog(TopicConfig config) => Open(config);

    [TearDown]
    public void DeleteFiles()
    {
        _logs.ForEach(l => l.Dispose());
        _directory.Dispose();
    }

    [Test]
    public void Append_PastSegmentBytes_RollsSegmentsAndReadsAcrossThem()
    {
        var batch = ABatch(0, 5, valueBytes: 100);
        // Later batches are a few bytes longer ("k10" vs "k0"); the slack keeps three per segment.
        var log = Open(DefaultConfig with { SegmentBytes = batch.Length * 3 + 50 });

        for (var i = 0; i < 10; i++)
            log.Append(ABatch(i * 5, 5, valueBytes: 100));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(SegmentFiles(), Has.Length.EqualTo(4));
            Assert.That(SegmentFiles()[1], Does.EndWith(LogSegment.FileNameFor(15, ".log")));
            Assert.That(ReadHeaders(log, 12, batch.Length * 4 + 40).Select(h => h.BaseOffset), Is.EqualTo(new long[] { 10, 15, 20, 25 }));
            Assert.That(ReadAllValues(log), Has.Count.EqualTo(50));
        }
    }

    [Test]
    public void Read_ManyBatches_UsesTheSparseIndexToFindTheContainingBatch()
    {
        var log = Open(DefaultConfig);
        for (var i = 0; i < 2_000; i++)
            log.Append(ABatch(i * 2, 2, valueBytes: 20));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReadHeaders(log, 3_001, 1).Single().BaseOffset, Is.EqualTo(3_000));
            Assert.That(ReadHeaders(log, 3_998, 1).Single().BaseOffset, Is.EqualTo(3_998));
        }
    }

    [Test]
    public void Reopen_AfterCleanClose_ServesEverythingAndContinuesOffsets()
    {
        var batch = ABatch(0, 5);
        var config = DefaultConfig with { SegmentBytes = batch.Length * 2 };
        var first = Open(config);
        for (var i = 0; i < 7; i++)
            first.Append(ABatch(i * 5, 5));
        first.Dispose();

        var reopened = Open(config);
        var next = reopened.Append(ABatch(35, 5));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(next, Is.EqualTo(35));
            Assert.That(reopened.LogStartOffset, Is.Zero);
            Assert.That(ReadAllValues(reopened), Is.EqualTo(Enumerable.Range(0, 40).Select(i => $"v{i}")));
        }
    }

    [Test]
    public void Reopen_GarbageAfterLastBatch_TruncatesToLastGoodBatchAndAppendsContinue()
    {
        var first = Open(DefaultConfig);
        first.Append(ABatch(0, 3));
        first.Append(ABatch(3, 3));
        first.Dispose();
        var lastSegment = SegmentFiles()[^1];
        var goodLength = new FileInfo(lastSegment).Length;
        using (var stream = new FileStream(lastSegment, FileMode.Append))
            stream.Write(Enumerable.Range(0, 100).Select(i => (byte)(i * 7 + 3)).ToArray());

        var reopened = (FilePartitionLog)Open(DefaultConfig);
        var next = reopened.Append(ABatch(6, 2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.RecoveredTruncatedBytes, Is.EqualTo(100));
            Assert.That(next, Is.EqualTo(6));
            Assert.That(ReadAllValues(reopened), Is.EqualTo(Enumerable.Range(0, 8).Select(i => $"v{i}")));
            Assert.That(new FileInfo(lastSegment).Length, Is.EqualTo(goodLength + ABatch(6, 2).Length));
        }
    }

    [Test]
    public void Reopen_TornLastBatch_IsCutOff()
    {
        var first = Open(DefaultConfig);
        first.Append(ABatch(0, 3));
        var torn = ABatch(3, 4, codec: CompressionCodec.Gzip);
        first.Append(torn);
        first.Dispose();
        var lastSegment = SegmentFiles()[^1];
        using (var stream = new FileStream(lastSegment, FileMode.Open))
            stream.SetLength(stream.Length - torn.Length / 2);

        var reopened = Open(DefaultConfig);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.LogEndOffset, Is.EqualTo(3));
            Assert.That(ReadAllValues(reopened), Is.EqualTo(new[] { "v0", "v1", "v2" }));
        }
    }

    [Test]
    public void Reopen_CorruptByteInsideLastBatch_CutsThatBatchByCrc()
    {
        var first = Open(DefaultConfig);
        first.Append(ABatch(0, 3));
        first.Append(ABatch(3, 3));
        first.Dispose();
        var lastSegment = SegmentFiles()[^1];
        var bytes = File.ReadAllBytes(lastSegment);
        bytes[^2] ^= 0x5A;
        File.WriteAllBytes(lastSegment, bytes);

        Assert.That(Open(DefaultConfig).LogEndOffset, Is.EqualTo(3));
    }

    [Test]
    public void Reopen_MissingIndexOfSealedSegment_RebuildsIt()
    {
        var batch = ABatch(0, 5);
        var config = DefaultConfig with { SegmentBytes = batch.Length * 2 };
        var first = Open(config);
        for (var i = 0; i < 6; i++)
            first.Append(ABatch(i * 5, 5));
        first.Dispose();
        File.Delete(Path.ChangeExtension(SegmentFiles()[0], ".index"));

        var reopened = Open(config);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.LogEndOffset, Is.EqualTo(30));
            Assert.That(ReadAllValues(reopened), Has.Count.EqualTo(30));
            Assert.That(File.Exists(Path.ChangeExtension(SegmentFiles()[0], ".index")), Is.True);
        }
    }

    [Test]
    public void ApplyRetention_BySize_DeletesOldSegmentFiles()
    {
        var batch = ABatch(0, 4, valueBytes: 200);
        var log = Open(DefaultConfig with { RetentionBytes = batch.Length * 3L, SegmentBytes = batch.Length * 2 });
        for (var i = 0; i < 10; i++)
            log.Append(batch);

        log.ApplyRetention(DateTimeOffset.UnixEpoch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(SegmentFiles(), Has.Length.EqualTo(1));
            Assert.That(log.LogStartOffset, Is.EqualTo(32));
            Assert.That(ReadHeaders(log, 0, 1).Single().BaseOffset, Is.EqualTo(32), "a read below log start begins at the first kept batch");
        }
    }

    [Test]
    public void ApplyRetention_ThenReopen_KeepsTheAdvancedLogStart()
    {
        var batch = ABatch(0, 4);
        var config = DefaultConfig with { RetentionMs = 1_000, SegmentBytes = batch.Length };
        var log = Open(config);
        log.Append(ABatch(0, 4, timestamp: 1_000));
        log.Append(ABatch(4, 4, timestamp: 1_000));
        log.Append(ABatch(8, 4, timestamp: 9_000));
        log.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(9_500));
        log.Dispose();

        var reopened = Open(config);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.LogStartOffset, Is.EqualTo(8));
            Assert.That(reopened.LogEndOffset, Is.EqualTo(12));
        }
    }

    [Test]
    public void Append_WithFlushPolicyAlways_IsReadableFromTheFileImmediately()
    {
        var log = Open(DefaultConfig, FlushPolicy.Always);
        var batch = ABatch(0, 3);

        log.Append(batch);

        Assert.That(new FileInfo(SegmentFiles()[0]).Length, Is.EqualTo(batch.Length));
    }

    private IPartitionLog Open(TopicConfig config, FlushPolicy policy = FlushPolicy.Interval)
    {
        var log = new FilePartitionLog(LogDirectory, config, policy);
        _logs.Add(log);
        return log;
    }

    private string[] SegmentFiles() => Directory.GetFiles(LogDirectory, "*.log").Order().ToArray();
}
