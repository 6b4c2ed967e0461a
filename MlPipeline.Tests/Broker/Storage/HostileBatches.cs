using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage.Records;
using ZstdSharp;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>
/// Record batches whose header and CRC are valid but whose records lie: hand-assembled records (any field, any
/// length claim), batches around them with chosen recordCount / lastOffsetDelta / maxTimestamp, and decompression
/// bombs streamed through the compressor so the test process never holds the bomb's decompressed bytes.
/// </summary>
public static class HostileBatches
{
    public const long BaseTimestamp = 1_700_000_000_000;

    /// <summary>
    /// One record's bytes. <paramref name="lengthAdjustment"/> makes the length prefix lie by that many bytes;
    /// <paramref name="headerCountClaim"/> replaces the true header count.
    /// </summary>
    public static byte[] Record(int offsetDelta, long timestampDelta = 0, byte[]? key = null, byte[]? value = null,
        IReadOnlyList<(byte[]? Key, byte[]? Value)>? headers = null, long? headerCountClaim = null, int lengthAdjustment = 0,
        long? keyLengthClaim = null)
    {
        using var body = new MemoryStream();
        body.WriteByte(0); // attributes
        RecordVarint.WriteVarlong(body, timestampDelta);
        RecordVarint.WriteVarlong(body, offsetDelta);
        if (keyLengthClaim is long claim)
        {
            RecordVarint.WriteVarlong(body, claim);
            body.Write(key ?? []);
        }
        else
        {
            WriteBytes(body, key);
        }
        WriteBytes(body, value ?? "v"u8.ToArray());
        headers ??= [];
        RecordVarint.WriteVarlong(body, headerCountClaim ?? headers.Count);
        foreach (var (headerKey, headerValue) in headers)
        {
            WriteBytes(body, headerKey);
            WriteBytes(body, headerValue);
        }
        using var record = new MemoryStream();
        RecordVarint.WriteVarlong(record, body.Length + lengthAdjustment);
        body.WriteTo(record);
        return record.ToArray();
    }

    /// <summary>One batch that a validating broker must refuse, the error it must answer, and the record at fault (-1: the batch's fault).</summary>
    public sealed record Case(string Name, byte[] Batch, ErrorCode Error, int BadRecord)
    {
        public override string ToString() => Name;
    }

    /// <summary>Every kind of record-level corruption behind a valid CRC that Kafka refuses, uncompressed and compressed.</summary>
    public static IEnumerable<Case> RecordLevelCorruption()
    {
        byte[] One(int offsetDelta = 0) => Record(offsetDelta);
        byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
        var garbage = new byte[64];
        new Random(23).NextBytes(garbage);

        yield return new("record length runs past the batch", Batch(Record(0, lengthAdjustment: 40), 1), ErrorCode.InvalidRecord, 0);
        yield return new("record length shorter than its fields", Batch(Record(0, value: "hello"u8.ToArray(), lengthAdjustment: -3), 1), ErrorCode.InvalidRecord, 0);
        yield return new("record length varint longer than 10 bytes", Batch(Concat(Enumerable.Repeat((byte)0xFF, 11).ToArray(), One()), 1), ErrorCode.InvalidRecord, 0);
        yield return new("key length runs past the record", Batch(Record(0, key: "abc"u8.ToArray(), keyLengthClaim: 100), 1), ErrorCode.InvalidRecord, 0);
        yield return new("negative key length", Batch(Record(0, keyLengthClaim: -5), 1), ErrorCode.InvalidRecord, 0);
        yield return new("offset deltas not 0..n-1", Batch(Concat(One(0), One(5)), 2), ErrorCode.InvalidRecord, 1);
        yield return new("recordCount INT_MAX with one record", Batch(One(), int.MaxValue), ErrorCode.InvalidRecord, -1);
        yield return new("recordCount 3 with two records", Batch(Concat(One(0), One(1)), 3), ErrorCode.InvalidRecord, -1);
        yield return new("bytes after the last record", Batch(Concat(One(), [1, 2, 3, 4, 5, 6, 7, 8]), 1), ErrorCode.InvalidRecord, -1);
        yield return new("16 million headers claimed", Batch(Record(0, headerCountClaim: 16_000_000), 1), ErrorCode.InvalidRecord, 0);
        yield return new("null header key", Batch(Record(0, headers: [(null, "x"u8.ToArray())]), 1), ErrorCode.InvalidRecord, 0);
        yield return new("maxTimestamp below a record's timestamp", Batch(Record(0, timestampDelta: 5), 1, maxTimestamp: BaseTimestamp), ErrorCode.InvalidRecord, -1);
        yield return new("timestampDelta overflows", Batch(Record(0, timestampDelta: long.MaxValue), 1), ErrorCode.InvalidRecord, 0);
        foreach (var codec in new[] { CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd })
        {
            // Raw snappy has no magic: the garbage states 32 bytes of output, then copies from before the start.
            byte[] posing = codec == CompressionCodec.Snappy ? Concat([0x20, 0x01, 0xFF], garbage) : garbage;
            yield return new($"garbage posing as {codec}", Assemble(posing, codec, 1, 0, BaseTimestamp), ErrorCode.CorruptMessage, -1);
            yield return new($"{codec} records with offset deltas not 0..n-1", Batch(Concat(One(0), One(7)), 2, codec: codec), ErrorCode.InvalidRecord, 1);
            yield return new($"{codec} record claiming 16 million headers", Batch(Record(0, headerCountClaim: 16_000_000), 1, codec: codec), ErrorCode.InvalidRecord, 0);
            yield return new($"{codec} recordCount 5 with one record", Batch(One(), 5, codec: codec), ErrorCode.InvalidRecord, -1);
        }
    }

    /// <summary>
    /// A batch around <paramref name="records"/> (the records section, uncompressed), compressed with
    /// <paramref name="codec"/>, with a valid CRC. Header fields default to what the records say when honest.
    /// </summary>
    public static byte[] Batch(byte[] records, int recordCount, int? lastOffsetDelta = null, long maxTimestamp = BaseTimestamp,
        CompressionCodec codec = CompressionCodec.None) =>
        Assemble(codec == CompressionCodec.None ? records : RecordCompression.Compress(codec, records), codec, recordCount,
            lastOffsetDelta ?? recordCount - 1, maxTimestamp);

    /// <summary>A batch whose body is <paramref name="body"/> as given (e.g. garbage posing as gzip), CRC valid.</summary>
    public static byte[] Assemble(byte[] body, CompressionCodec codec, int recordCount, int lastOffsetDelta, long maxTimestamp)
    {
        var batch = new byte[RecordBatchHeader.Size + body.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BatchLengthPosition..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.PartitionLeaderEpochPosition..], -1);
        span[RecordBatchHeader.MagicPosition] = (byte)RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.AttributesPosition..], (short)codec);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LastOffsetDeltaPosition..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampPosition..], BaseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampPosition..], maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdPosition..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochPosition..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequencePosition..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountPosition..], recordCount);
        body.CopyTo(span[RecordBatchHeader.Size..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchHeader.CrcPosition..], RecordBatchHeader.ComputeCrc(span));
        return batch;
    }

    /// <summary>
    /// A one-record batch whose value is <paramref name="valueBytes"/> zero bytes, compressed: a few hundred KB of
    /// gzip or LZ4 (a few KB of zstd) that decompress to the whole value. Streamed through the compressor in 1 MB
    /// chunks, so building a 200 MB bomb costs this process 1 MB.
    /// </summary>
    public static byte[] Bomb(CompressionCodec codec, long valueBytes)
    {
        using var compressed = new MemoryStream();
        using (var compressor = OpenCompressor(codec, compressed))
        {
            using var prefix = new MemoryStream();
            RecordVarint.WriteVarlong(prefix, 0); // timestampDelta
            RecordVarint.WriteVarlong(prefix, 0); // offsetDelta
            RecordVarint.WriteVarlong(prefix, -1); // null key
            RecordVarint.WriteVarlong(prefix, valueBytes);
            long bodyLength = 1 + prefix.Length + valueBytes + 1; // attributes + fields + value + header count
            using var record = new MemoryStream();
            RecordVarint.WriteVarlong(record, bodyLength);
            record.WriteByte(0); // attributes
            prefix.WriteTo(record);
            record.WriteTo(compressor);
            var zeros = new byte[1024 * 1024];
            for (long left = valueBytes; left > 0; left -= zeros.Length)
                compressor.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
            compressor.WriteByte(0); // header count
        }
        return Assemble(compressed.ToArray(), codec, recordCount: 1, lastOffsetDelta: 0, maxTimestamp: BaseTimestamp);
    }

    private static Stream OpenCompressor(CompressionCodec codec, Stream output) => codec switch
    {
        CompressionCodec.Gzip => new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true), // deflate reaches ~1000:1 only at its best level
        CompressionCodec.Lz4 => LZ4Stream.Encode(output, LZ4Level.L00_FAST, 0, leaveOpen: true),
        CompressionCodec.Zstd => new CompressionStream(output, 3, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "bombs are built with streaming codecs"),
    };

    private static void WriteBytes(Stream destination, byte[]? bytes)
    {
        if (bytes is null)
        {
            RecordVarint.WriteVarlong(destination, -1);
            return;
        }
        RecordVarint.WriteVarlong(destination, bytes.Length);
        destination.Write(bytes);
    }
}
