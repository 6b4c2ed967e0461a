using System.Buffers.Binary;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// The fixed 61-byte header of a v2 record batch (Kafka's "magic 2" format), all fields big-endian.
/// Only bytes from <see cref="AttributesPosition"/> on are covered by the CRC, which is why the log
/// may rewrite baseOffset and partitionLeaderEpoch without recomputing it.
/// </summary>
public readonly record struct RecordBatchHeader(
    long BaseOffset,
    int BatchLength,
    int PartitionLeaderEpoch,
    sbyte Magic,
    uint Crc,
    short Attributes,
    int LastOffsetDelta,
    long BaseTimestamp,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    public const int Size = 61;

    /// <summary>baseOffset (8) + batchLength (4): the bytes not counted by batchLength.</summary>
    public const int LogOverhead = 12;

    public const int BaseOffsetPosition = 0;
    public const int BatchLengthPosition = 8;
    public const int PartitionLeaderEpochPosition = 12;
    public const int MagicPosition = 16;
    public const int CrcPosition = 17;
    public const int AttributesPosition = 21;
    public const int LastOffsetDeltaPosition = 23;
    public const int BaseTimestampPosition = 27;
    public const int MaxTimestampPosition = 35;
    public const int ProducerIdPosition = 43;
    public const int ProducerEpochPosition = 51;
    public const int BaseSequencePosition = 53;
    public const int RecordCountPosition = 57;

    public const sbyte CurrentMagic = 2;

    private const short CodecMask = 0x07;
    private const short LogAppendTimeFlag = 0x08;
    private const short TransactionalFlag = 0x10;
    private const short ControlFlag = 0x20;

    /// <summary>The codec bits as a number; may be out of the enum's range in a bad batch (see the validator).</summary>
    public int CodecId => Attributes & CodecMask;

    public CompressionCodec Codec => (CompressionCodec)CodecId;

    public bool IsLogAppendTime => (Attributes & LogAppendTimeFlag) != 0;

    public bool IsTransactional => (Attributes & TransactionalFlag) != 0;

    public bool IsControl => (Attributes & ControlFlag) != 0;

    /// <summary>Whole batch size on the wire and on disk: batchLength plus the 12 bytes before it.</summary>
    public int TotalSize => BatchLength + LogOverhead;

    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>Reads the header from the first <see cref="Size"/> bytes; the caller checks the length.</summary>
    public static RecordBatchHeader Parse(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < Size)
            throw new ArgumentException($"A record batch header needs {Size} bytes, got {batch.Length}.", nameof(batch));
        return new RecordBatchHeader(
            BaseOffset: BinaryPrimitives.ReadInt64BigEndian(batch[BaseOffsetPosition..]),
            BatchLength: BinaryPrimitives.ReadInt32BigEndian(batch[BatchLengthPosition..]),
            PartitionLeaderEpoch: BinaryPrimitives.ReadInt32BigEndian(batch[PartitionLeaderEpochPosition..]),
            Magic: (sbyte)batch[MagicPosition],
            Crc: BinaryPrimitives.ReadUInt32BigEndian(batch[CrcPosition..]),
            Attributes: BinaryPrimitives.ReadInt16BigEndian(batch[AttributesPosition..]),
            LastOffsetDelta: BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaPosition..]),
            BaseTimestamp: BinaryPrimitives.ReadInt64BigEndian(batch[BaseTimestampPosition..]),
            MaxTimestamp: BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampPosition..]),
            ProducerId: BinaryPrimitives.ReadInt64BigEndian(batch[ProducerIdPosition..]),
            ProducerEpoch: BinaryPrimitives.ReadInt16BigEndian(batch[ProducerEpochPosition..]),
            BaseSequence: BinaryPrimitives.ReadInt32BigEndian(batch[BaseSequencePosition..]),
            RecordCount: BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountPosition..]));
    }

    /// <summary>
    /// Stamps the log-assigned base offset and leader epoch 0 into a batch (bytes 0–7 and 12–15, outside the CRC).
    /// </summary>
    public static void AssignOffset(Span<byte> batch, long baseOffset)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetPosition..], baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochPosition..], 0);
    }

    /// <summary>CRC-32C (Castagnoli) of the CRC-covered part of a batch: attributes to the end.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) =>
        System.IO.Hashing.Crc32.HashToUInt32(System.IO.Hashing.Crc32ParameterSet.Crc32C, batch[AttributesPosition..]);
}
