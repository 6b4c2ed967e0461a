using System.Buffers.Binary;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Tests.Broker.Storage;

[Parallelizable(ParallelScope.All)]
public sealed class RecordBatchValidatorTests
{
    private const int Limit = 1_048_588;

    private static byte[] AGoodBatch() =>
        new RecordBatchBuilder().WithProducer(5, 1, 10)
            .Add("k", "v", 1_000).Add(null, "w", 1_001).Add("k3", null, 1_002).Build();

    [Test]
    public void Crc32C_OfTheStandardCheckString_IsTheCastagnoliCheckValue()
    {
        // "123456789" → 0xE3069283 is the published check value of CRC-32C; Kafka's CRC must be this one.
        var bytes = new byte[RecordBatchHeader.AttributesPosition + 9];
        "123456789"u8.CopyTo(bytes.AsSpan(RecordBatchHeader.AttributesPosition));
        Assert.That(RecordBatchHeader.ComputeCrc(bytes), Is.EqualTo(0xE3069283u));
    }

    [Test]
    public void Validate_GoodBatch_ReturnsNoneWithParsedHeader()
    {
        var result = RecordBatchValidator.Validate(AGoodBatch(), Limit, out var header, out var reason);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(ErrorCode.None), reason);
            Assert.That(header.RecordCount, Is.EqualTo(3));
            Assert.That(header.LastOffsetDelta, Is.EqualTo(2));
            Assert.That(header.ProducerId, Is.EqualTo(5));
            Assert.That(header.ProducerEpoch, Is.EqualTo((short)1));
            Assert.That(header.BaseSequence, Is.EqualTo(10));
            Assert.That(header.BaseTimestamp, Is.EqualTo(1_000));
            Assert.That(header.MaxTimestamp, Is.EqualTo(1_002));
            Assert.That(header.Codec, Is.EqualTo(CompressionCodec.None));
            Assert.That(header.IsControl, Is.False);
            Assert.That(header.IsTransactional, Is.False);
        }
    }

    [Test]
    public void Validate_FlippedRecordByte_IsCorruptMessage()
    {
        var batch = AGoodBatch();
        batch[^1] ^= 0xFF;
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out _), Is.EqualTo(ErrorCode.CorruptMessage));
    }

    [Test]
    public void Validate_BaseOffsetAndLeaderEpochChanged_StillValidBecauseOutsideCrc()
    {
        var batch = AGoodBatch();
        RecordBatchHeader.AssignOffset(batch, 12345);
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out var header, out _), Is.EqualTo(ErrorCode.None));
        Assert.That(header.BaseOffset, Is.EqualTo(12345));
    }

    [Test]
    public void Validate_TruncatedBatch_IsCorruptMessage()
    {
        var batch = AGoodBatch();
        Assert.That(RecordBatchValidator.Validate(batch.AsSpan(0, batch.Length - 1), Limit, out _, out _), Is.EqualTo(ErrorCode.CorruptMessage));
    }

    [Test]
    public void Validate_ShorterThanHeader_IsCorruptMessage() =>
        Assert.That(RecordBatchValidator.Validate(new byte[20], Limit, out _, out _), Is.EqualTo(ErrorCode.CorruptMessage));

    [Test]
    public void Validate_WrongMagic_IsCorruptMessage()
    {
        var batch = AGoodBatch();
        batch[RecordBatchHeader.MagicPosition] = 1;
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out _), Is.EqualTo(ErrorCode.CorruptMessage));
    }

    [Test]
    public void Validate_TwoBatches_IsInvalidRecord()
    {
        var batch = AGoodBatch();
        var two = batch.Concat(batch).ToArray();
        Assert.That(RecordBatchValidator.Validate(two, Limit, out _, out _), Is.EqualTo(ErrorCode.InvalidRecord));
    }

    [Test]
    public void Validate_LargerThanLimit_IsMessageTooLarge()
    {
        var batch = AGoodBatch();
        Assert.That(RecordBatchValidator.Validate(batch, batch.Length - 1, out _, out _), Is.EqualTo(ErrorCode.MessageTooLarge));
    }

    [Test]
    public void Validate_UnknownCodec_IsUnsupportedCompressionType()
    {
        var batch = Resigned(AGoodBatch(), b => BinaryPrimitives.WriteInt16BigEndian(b[RecordBatchHeader.AttributesPosition..], 5));
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out _), Is.EqualTo(ErrorCode.UnsupportedCompressionType));
    }

    [Test]
    public void Validate_ControlBatch_IsInvalidRecord()
    {
        var batch = Resigned(AGoodBatch(), b => BinaryPrimitives.WriteInt16BigEndian(b[RecordBatchHeader.AttributesPosition..], 0x20));
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out _), Is.EqualTo(ErrorCode.InvalidRecord));
    }

    [Test]
    public void Validate_LastOffsetDeltaNotRecordCountMinusOne_IsInvalidRecord()
    {
        var batch = Resigned(AGoodBatch(), b => BinaryPrimitives.WriteInt32BigEndian(b[RecordBatchHeader.LastOffsetDeltaPosition..], 5));
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out _), Is.EqualTo(ErrorCode.InvalidRecord));
    }

    [TestCase(CompressionCodec.Gzip)]
    [TestCase(CompressionCodec.Lz4)]
    [TestCase(CompressionCodec.Zstd)]
    public void Validate_200MegabyteBomb_IsMessageTooLargeAndAllocatesAFewTimesTheLimitAtMost(CompressionCodec codec)
    {
        var bomb = HostileBatches.Bomb(codec, 200L * 1024 * 1024);

        // Allocations of this thread only: deterministic, whatever other tests do in parallel. Pooled buffers a
        // parallel test already rented cost nothing here; the bound holds either way (≈ 3 × Limit when cold).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = RecordBatchValidator.Validate(bomb, Limit, out _, out var reason);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(ErrorCode.MessageTooLarge), reason);
            Assert.That(allocated, Is.LessThan(8 * Limit), "bytes allocated while refusing a 200 MB bomb");
        }
    }

    [Test]
    public void Validate_SixteenMillionHeadersClaimed_IsInvalidRecordWithoutAllocatingForThem()
    {
        var batch = HostileBatches.Batch(HostileBatches.Record(0, headerCountClaim: 16_000_000), 1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = RecordBatchValidator.Validate(batch, Limit, out _, out var reason);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(ErrorCode.InvalidRecord), reason);
            Assert.That(reason, Does.Contain("16000000 headers"));
            Assert.That(allocated, Is.LessThan(64 * 1024), "bytes allocated (the reason string only)");
        }
    }

    [Test]
    public void Validate_EveryRecordLevelCorruption_IsRefused()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var hostile in HostileBatches.RecordLevelCorruption())
            {
                var result = RecordBatchValidator.Validate(hostile.Batch, Limit, decompressions: null, out _, out var reason, out int badRecord);
                Assert.That((result, badRecord), Is.EqualTo((hostile.Error, hostile.BadRecord)), $"{hostile.Name}: {reason}");
            }
        }
    }

    [TestCase(CompressionCodec.None)]
    [TestCase(CompressionCodec.Gzip)]
    [TestCase(CompressionCodec.Snappy)]
    [TestCase(CompressionCodec.Lz4)]
    [TestCase(CompressionCodec.Zstd)]
    public void Validate_GoodBatchWithHeadersNullsAndNegativeTimestampDeltas_IsAccepted(CompressionCodec codec)
    {
        var batch = new RecordBatchBuilder().WithCompression(codec)
            .Add("k", "v", 2_000, [new RecordHeader("h", [1, 2]), new RecordHeader("n", null)])
            .Add((byte[]?)null, null, 1_000)
            .Add("", "", 3_000)
            .Build();
        Assert.That(RecordBatchValidator.Validate(batch, Limit, out _, out var reason), Is.EqualTo(ErrorCode.None), reason);
    }

    /// <summary>Edits CRC-covered bytes and recomputes the CRC, so only the edited rule can fail.</summary>
    private static byte[] Resigned(byte[] batch, SpanAction edit)
    {
        edit(batch);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcPosition), RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }

    private delegate void SpanAction(Span<byte> batch);
}
