using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>The idempotent-producer rules of <see cref="PartitionState.Append"/> (protocol brief §4).</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class PartitionIdempotenceTests
{
    private const long ProducerId = 42;

    [Test]
    public void UnknownProducer_IsAcceptedAtAnySequence()
    {
        var partition = APartition();

        var result = Append(partition, epoch: 0, sequence: 1234, records: 2);

        Assert.That(result, Is.EqualTo((ErrorCode.None, 0L)));
    }

    [Test]
    public void NextSequence_IsAppendedAfterThePrevious()
    {
        var partition = APartition();
        Append(partition, epoch: 0, sequence: 0, records: 3);

        var result = Append(partition, epoch: 0, sequence: 3, records: 1);

        Assert.That(result, Is.EqualTo((ErrorCode.None, 3L)));
    }

    [Test]
    public void RetryOfAnyOfTheLastFiveBatches_SucceedsWithItsOriginalOffset_WithoutWriting()
    {
        var partition = APartition();
        for (int batch = 0; batch < 6; batch++) Append(partition, epoch: 0, sequence: batch * 2, records: 2);

        var secondBatchRetry = Append(partition, epoch: 0, sequence: 2, records: 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(secondBatchRetry, Is.EqualTo((ErrorCode.None, 2L)));
            Assert.That(partition.Log.LogEndOffset, Is.EqualTo(12));
        }
    }

    [Test]
    public void RetryOlderThanTheLastFive_IsOutOfOrder()
    {
        var partition = APartition();
        for (int batch = 0; batch < 6; batch++) Append(partition, epoch: 0, sequence: batch, records: 1);

        var result = Append(partition, epoch: 0, sequence: 0, records: 1);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
    }

    [Test]
    public void LowerEpoch_IsRejectedWithInvalidProducerEpoch()
    {
        var partition = APartition();
        Append(partition, epoch: 3, sequence: 0, records: 1);

        var result = Append(partition, epoch: 2, sequence: 1, records: 1);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
    }

    [TestCase(0, ErrorCode.None)]
    [TestCase(7, ErrorCode.OutOfOrderSequenceNumber)]
    public void HigherEpoch_MustRestartAtSequenceZero(int sequence, ErrorCode expected)
    {
        var partition = APartition();
        Append(partition, epoch: 0, sequence: 0, records: 5);

        var result = Append(partition, epoch: 1, sequence: sequence, records: 1);

        Assert.That(result.Error, Is.EqualTo(expected));
    }

    [Test]
    public void SequenceWrapsFromInt32MaxToZero()
    {
        var partition = APartition();
        Append(partition, epoch: 0, sequence: int.MaxValue - 1, records: 2); // int.MaxValue - 1, int.MaxValue

        var result = Append(partition, epoch: 0, sequence: 0, records: 1);

        Assert.That(result, Is.EqualTo((ErrorCode.None, 2L)));
    }

    [Test]
    public void NonIdempotentBatches_AreNeverDeduplicated()
    {
        var partition = APartition();
        byte[] batch = new RecordBatchBuilder().Add("k", "v", 1).Build();

        AppendRaw(partition, batch);
        var second = AppendRaw(partition, batch);

        Assert.That(second, Is.EqualTo((ErrorCode.None, 1L)));
    }

    private static PartitionState APartition()
    {
        var config = new TopicConfig();
        return new PartitionState("topic", 0, config, new InMemoryPartitionLog(config));
    }

    private static (ErrorCode Error, long BaseOffset) Append(PartitionState partition, short epoch, int sequence, int records)
    {
        var builder = new RecordBatchBuilder().WithProducer(ProducerId, epoch, sequence);
        for (int i = 0; i < records; i++) builder.Add("k", "v", 1_700_000_000_000);
        return AppendRaw(partition, builder.Build());
    }

    private static (ErrorCode Error, long BaseOffset) AppendRaw(PartitionState partition, byte[] batch)
    {
        Assert.That(RecordBatchValidator.Validate(batch, int.MaxValue, out var header, out _), Is.EqualTo(ErrorCode.None));
        return partition.Append(batch, header);
    }
}
