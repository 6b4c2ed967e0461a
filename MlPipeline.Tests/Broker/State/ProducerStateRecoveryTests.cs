using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.State;

/// <summary>
/// A <see cref="PartitionState"/> reopened on a file log rebuilds its idempotent-producer state from the batch
/// headers in the log's tail (<see cref="ProducerStateRecovery"/>), so the idempotence rules of
/// PartitionIdempotenceTests keep holding across a restart.
/// </summary>
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ProducerStateRecoveryTests
{
    private const long ProducerId = 7_001;
    private static readonly TopicConfig DefaultConfig = new();
    private readonly TemporaryDirectory _directory = new("producer-state");
    private readonly List<PartitionState> _partitions = [];

    [TearDown]
    public void CloseAndDelete()
    {
        _partitions.ForEach(p => p.Close());
        _directory.Dispose();
    }

    [Test]
    public void Reopened_RetryOfAnyOfTheLastFiveBatches_SucceedsWithItsOriginalOffset_WithoutWriting()
    {
        var before = Open();
        for (int batch = 0; batch < 6; batch++) Append(before, ProducerId, epoch: 0, sequence: batch * 2, records: 2);
        before.Close();

        var reopened = Open();
        var retries = Enumerable.Range(1, 5).Select(batch => Append(reopened, ProducerId, epoch: 0, sequence: batch * 2, records: 2)).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retries, Is.EqualTo(Enumerable.Range(1, 5).Select(batch => (ErrorCode.None, batch * 2L))));
            Assert.That(reopened.Log.LogEndOffset, Is.EqualTo(12));
        }
    }

    [Test]
    public void Reopened_NextSequenceIsAppended_AGapIsOutOfOrder_AnOldRetryIsOutOfOrder()
    {
        var before = Open();
        for (int batch = 0; batch < 6; batch++) Append(before, ProducerId, epoch: 0, sequence: batch, records: 1);
        before.Close();

        var reopened = Open();
        var gap = Append(reopened, ProducerId, epoch: 0, sequence: 9, records: 1);
        var tooOld = Append(reopened, ProducerId, epoch: 0, sequence: 0, records: 1);
        var next = Append(reopened, ProducerId, epoch: 0, sequence: 6, records: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(gap.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber), "a gap");
            Assert.That(tooOld.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber), "older than the last five");
            Assert.That(next, Is.EqualTo((ErrorCode.None, 6L)), "the next sequence");
        }
    }

    [Test]
    public void Reopened_BumpedEpochIsRemembered_TheOldEpochIsFenced()
    {
        var before = Open();
        Append(before, ProducerId, epoch: 0, sequence: 0, records: 3);
        Append(before, ProducerId, epoch: 1, sequence: 0, records: 1);
        before.Close();

        var reopened = Open();
        var oldEpoch = Append(reopened, ProducerId, epoch: 0, sequence: 3, records: 1);
        var newEpochNext = Append(reopened, ProducerId, epoch: 1, sequence: 1, records: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(oldEpoch.Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
            Assert.That(newEpochNext, Is.EqualTo((ErrorCode.None, 4L)));
        }
    }

    [Test]
    public void Reopened_EachProducerGetsItsOwnState_AndTheHighestIdIsReported()
    {
        var before = Open();
        Append(before, 5, epoch: 0, sequence: 0, records: 1);
        Append(before, 900, epoch: 0, sequence: 10, records: 2);
        Append(before, -1, epoch: -1, sequence: -1, records: 1);
        Append(before, 5, epoch: 0, sequence: 1, records: 1);
        before.Close();

        var reopened = Open();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.HighestRecoveredProducerId, Is.EqualTo(900));
            Assert.That(Append(reopened, 5, epoch: 0, sequence: 1, records: 1), Is.EqualTo((ErrorCode.None, 4L)), "producer 5's retry");
            Assert.That(Append(reopened, 900, epoch: 0, sequence: 10, records: 2), Is.EqualTo((ErrorCode.None, 1L)), "producer 900's retry");
            Assert.That(Append(reopened, 900, epoch: 0, sequence: 11, records: 1).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber), "producer 900's overlap");
        }
    }

    [Test]
    public void Reopened_BatchesLargerThanTheHeaderReadWindow_AreWalkedAcross()
    {
        var before = Open();
        // 100 KB values make batches larger than the walker's 64 KiB read window, mixed with small ones.
        for (int batch = 0; batch < 6; batch++)
            Append(before, ProducerId, epoch: 0, sequence: batch, records: 1, valueBytes: batch % 2 == 0 ? 100_000 : 10);
        before.Close();

        var reopened = Open();
        var retryOfLast = Append(reopened, ProducerId, epoch: 0, sequence: 5, records: 1, valueBytes: 10);
        var next = Append(reopened, ProducerId, epoch: 0, sequence: 6, records: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retryOfLast, Is.EqualTo((ErrorCode.None, 5L)));
            Assert.That(next, Is.EqualTo((ErrorCode.None, 6L)));
        }
    }

    [Test]
    public void Reopened_ProducerSilentForLongerThanTheReplayedTail_IsTreatedAsNew()
    {
        // One batch per segment: the producer's batches end up in segments older than the last two.
        var batch = ABatch(ProducerId, epoch: 0, sequence: 0, records: 1);
        var config = DefaultConfig with { SegmentBytes = batch.Length + 10 };
        var before = Open(config);
        Append(before, ProducerId, epoch: 0, sequence: 0, records: 1);
        Append(before, ProducerId, epoch: 0, sequence: 1, records: 1);
        for (int other = 0; other < FilePartitionLog.TailSegments; other++) Append(before, 8_000 + other, epoch: 0, sequence: 0, records: 1);
        before.Close();

        var reopened = Open(config);
        // Known, this would be OUT_OF_ORDER_SEQUENCE_NUMBER (expected 2); unknown, any sequence is accepted.
        var afterSilence = Append(reopened, ProducerId, epoch: 0, sequence: 50, records: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterSilence, Is.EqualTo((ErrorCode.None, 4L)));
            Assert.That(reopened.HighestRecoveredProducerId, Is.EqualTo(8_000 + FilePartitionLog.TailSegments - 1));
        }
    }

    [Test]
    public void InMemoryPartition_StartsWithNoProducers()
    {
        var partition = new PartitionState("topic", 0, DefaultConfig, new InMemoryPartitionLog(DefaultConfig));
        _partitions.Add(partition);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(partition.HighestRecoveredProducerId, Is.EqualTo(-1));
            Assert.That(Append(partition, ProducerId, epoch: 0, sequence: 77, records: 1), Is.EqualTo((ErrorCode.None, 0L)));
        }
    }

    private PartitionState Open(TopicConfig? config = null)
    {
        config ??= DefaultConfig;
        var log = new FilePartitionLog(Path.Combine(_directory.Path, "topic-0"), config, FlushPolicy.Interval);
        var partition = new PartitionState("topic", 0, config, log);
        _partitions.Add(partition);
        return partition;
    }

    private static (ErrorCode Error, long BaseOffset) Append(PartitionState partition, long producerId, short epoch, int sequence, int records, int valueBytes = 1)
    {
        byte[] batch = ABatch(producerId, epoch, sequence, records, valueBytes);
        return partition.Append(batch, RecordBatchHeader.Parse(batch));
    }

    private static byte[] ABatch(long producerId, short epoch, int sequence, int records, int valueBytes = 1)
    {
        var builder = new RecordBatchBuilder().WithProducer(producerId, epoch, sequence);
        for (int i = 0; i < records; i++) builder.Add("k", new string('v', valueBytes), 1_700_000_000_000 + i);
        return builder.Build();
    }
}
