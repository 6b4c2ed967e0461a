using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;
using static MlPipeline.Tests.Broker.Storage.PartitionLogTestData;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>Behaviour every <see cref="IPartitionLog"/> must have, run against each implementation.</summary>
public abstract class PartitionLogContractTests
{
    /// <summary>A new, empty log with the given config; disposed by the fixture's teardown.</summary>
    protected abstract IPartitionLog OpenLog(TopicConfig config);

    protected static readonly TopicConfig DefaultConfig = new();

    [Test]
    public void Append_SeveralBatches_AssignsConsecutiveOffsets()
    {
        var log = OpenLog(DefaultConfig);

        var offsets = new[] { log.Append(ABatch(0, 3)), log.Append(ABatch(3, 1)), log.Append(ABatch(4, 5)) };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(offsets, Is.EqualTo(new long[] { 0, 3, 4 }));
            Assert.That(log.LogStartOffset, Is.Zero);
            Assert.That(log.LogEndOffset, Is.EqualTo(9));
            Assert.That(ReadAllValues(log), Is.EqualTo(Enumerable.Range(0, 9).Select(i => $"v{i}")));
        }
    }

    [Test]
    public void Append_RewritesBaseOffsetAndLeaderEpochOnly()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 2));
        var sent = ABatch(2, 2);

        log.Append(sent);
        var stored = ReadBytes(log, 2, 1);

        using (Assert.EnterMultipleScope())
        {
            var header = RecordBatchHeader.Parse(stored);
            Assert.That(header.BaseOffset, Is.EqualTo(2));
            Assert.That(header.PartitionLeaderEpoch, Is.Zero);
            Assert.That(stored.AsSpan(RecordBatchHeader.MagicPosition).SequenceEqual(sent.AsSpan(RecordBatchHeader.MagicPosition)), Is.True);
            Assert.That(log.SizeInBytes, Is.EqualTo(stored.Length + ABatch(0, 2).Length));
        }
    }

    [Test]
    public void Read_MiddleOffset_StartsWithTheContainingBatch()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 3));
        log.Append(ABatch(3, 3));
        log.Append(ABatch(6, 3));

        var headers = ReadHeaders(log, 4, 1_000_000);

        Assert.That(headers.Select(h => h.BaseOffset), Is.EqualTo(new long[] { 3, 6 }));
    }

    [Test]
    public void Read_MaxBytesSmallerThanABatch_StillReturnsOneWholeBatch()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 10, valueBytes: 100));
        log.Append(ABatch(10, 10, valueBytes: 100));

        var headers = ReadHeaders(log, 0, 10);

        Assert.That(headers.Select(h => h.BaseOffset), Is.EqualTo(new long[] { 0 }));
    }

    [Test]
    public void Read_StopsBeforeExceedingMaxBytes()
    {
        var log = OpenLog(DefaultConfig);
        var batch = ABatch(0, 2);
        for (var i = 0; i < 5; i++)
            log.Append(batch);

        var bytes = ReadBytes(log, 0, batch.Length * 3 - 1);

        Assert.That(bytes, Has.Length.EqualTo(batch.Length * 2));
    }

    [Test]
    public void Read_AtLogEnd_ReturnsNothing()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 2));

        Assert.That(ReadBytes(log, 2, 1000), Is.Empty);
    }

    [Test]
    public void FindOffsetByTimestamp_InsideACompressedBatch_AnswersTheBatchFromItsHeader()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 5, timestamp: 1_000, codec: CompressionCodec.Lz4));
        log.Append(ABatch(5, 5, timestamp: 2_000, codec: CompressionCodec.Gzip));

        using (Assert.EnterMultipleScope())
        {
            // Inside the batch: its first offset (where a consumer must start anyway) and its maxTimestamp.
            Assert.That(log.FindOffsetByTimestamp(2_003), Is.EqualTo(((long)5, (long)2_004)));
            // The batch's first record qualifies: exact.
            Assert.That(log.FindOffsetByTimestamp(1_500), Is.EqualTo(((long)5, (long)2_000)));
            Assert.That(log.FindOffsetByTimestamp(0), Is.EqualTo(((long)0, (long)1_000)));
            Assert.That(log.FindOffsetByTimestamp(9_999), Is.Null);
        }
    }

    [Test]
    public void FindOffsetByTimestamp_InsideAnUncompressedBatch_ReturnsExactRecord()
    {
        var log = OpenLog(DefaultConfig);
        log.Append(ABatch(0, 5, timestamp: 1_000));
        log.Append(ABatch(5, 5, timestamp: 2_000));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(log.FindOffsetByTimestamp(2_003), Is.EqualTo(((long)8, (long)2_003)));
            Assert.That(log.FindOffsetByTimestamp(1_002), Is.EqualTo(((long)2, (long)1_002)));
            Assert.That(log.FindOffsetByTimestamp(1_500), Is.EqualTo(((long)5, (long)2_000)));
        }
    }

    [Test]
    public void ApplyRetention_BySize_DropsOldestDataAndAdvancesLogStart()
    {
        var batch = ABatch(0, 4, valueBytes: 200);
        var log = OpenLog(DefaultConfig with { RetentionBytes = batch.Length * 3L, SegmentBytes = batch.Length * 2 });
        for (var i = 0; i < 10; i++)
            log.Append(batch);

        var dropped = log.ApplyRetention(DateTimeOffset.UnixEpoch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dropped, Is.Positive);
            Assert.That(log.SizeInBytes, Is.LessThanOrEqualTo(batch.Length * 3L));
            Assert.That(log.LogStartOffset, Is.Positive);
            Assert.That(log.LogEndOffset, Is.EqualTo(40));
            Assert.That(ReadAllValues(log, log.LogStartOffset), Has.Count.EqualTo(40 - log.LogStartOffset));
        }
    }

    [Test]
    public void ApplyRetention_ByTime_DropsOldDataButKeepsTheNewest()
    {
        var batch = ABatch(0, 4, valueBytes: 200);
        var log = OpenLog(DefaultConfig with { RetentionMs = 10_000, SegmentBytes = batch.Length * 2 });
        for (var i = 0; i < 6; i++)
            log.Append(ABatch(i * 4, 4, timestamp: 1_000, valueBytes: 200));
        log.Append(ABatch(24, 4, timestamp: 50_000, valueBytes: 200));

        var dropped = log.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(55_000));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dropped, Is.Positive);
            Assert.That(log.LogStartOffset, Is.EqualTo(24));
            Assert.That(ReadAllValues(log, 24), Is.EqualTo(new[] { "v24", "v25", "v26", "v27" }.Select(v => v + new string('p', 200))));
        }
    }

    [Test]
    public void ApplyRetention_NothingExpired_DropsNothing()
    {
        var log = OpenLog(DefaultConfig with { RetentionMs = 10_000, RetentionBytes = 1_000_000 });
        log.Append(ABatch(0, 4, timestamp: 50_000));

        Assert.That(log.ApplyRetention(DateTimeOffset.FromUnixTimeMilliseconds(55_000)), Is.Zero);
    }

    [Test]
    public async Task ReadsDuringConcurrentAppends_AlwaysSeeWholeValidBatches()
    {
        var log = OpenLog(DefaultConfig with { SegmentBytes = 16 * 1024 });
        var batch = ABatch(0, 20, valueBytes: 30);
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
                log.Append(batch);
        });

        var reads = 0;
        while (!writer.IsCompleted || reads == 0)
        {
            var bytes = ReadBytes(log, 0, 1_000_000);
            Assert.That(bytes.Length % batch.Length, Is.Zero, "only whole batches are returned");
            if (bytes.Length > 0)
                Assert.That(RecordBatchValidator.CompleteBatchLength(bytes.AsSpan(bytes.Length - batch.Length)), Is.EqualTo(batch.Length));
            reads++;
        }
        await writer;
        Assert.That(ReadAllValues(log), Has.Count.EqualTo(500 * 20));
    }
}

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class InMemoryPartitionLogTests : PartitionLogContractTests
{
    private readonly List<IPartitionLog> _logs = [];

    protected override IPartitionLog OpenLog(TopicConfig config)
    {
        var log = new InMemoryPartitionLog(config);
        _logs.Add(log);
        return log;
    }

    [TearDown]
    public void DisposeLogs() => _logs.ForEach(l => l.Dispose());
}
