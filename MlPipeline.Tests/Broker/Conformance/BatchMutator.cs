using System.Buffers.Binary;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Broker.Storage;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Produce frames whose framing is sound but whose record batch is hostile, reproducibly from a seeded
/// <see cref="Random"/>: bytes flipped, varints forged, records cut or padded, counts, offsets, timestamps and codec
/// bits lied about, in batches of every codec, almost always re-signed with a valid CRC so the record-level checks
/// (not the CRC) must catch them; plus the corpus of <see cref="HostileBatches.RecordLevelCorruption"/> and, now and
/// then, a small decompression bomb. A broker answers such frames with an error code and keeps the connection, so
/// they can be pipelined by the thousand. Some stay valid and are appended: the reader must be able to decode them.
/// </summary>
public sealed class BatchMutator
{
    private const string ClientId = "batch-fuzzer";
    private static readonly long[] HostileVarlongs = [-1, -2, 0, 1, 63, 64, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 16_000_000, 1 << 20];
    private static readonly int[] HostileInt32s = [-1, 0, 1, 2, 3, 5, 1000, int.MaxValue, int.MinValue, 16_000_000];

    private readonly string _topic;
    private readonly int _partitions;
    private readonly Random _random;
    private readonly byte[][] _templates;
    private readonly HostileBatches.Case[] _corpus;
    private readonly byte[] _smallBomb;
    private int _correlationId;

    public BatchMutator(string topic, int partitions, Random random)
    {
        _topic = topic;
        _partitions = partitions;
        _random = random;
        CompressionCodec[] codecs = [CompressionCodec.None, CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd];
        _templates = Enumerable.Range(0, 24).Select(i => ATemplateBatch(codecs[i % codecs.Length], records: 1 + i % 4)).ToArray();
        _corpus = [.. HostileBatches.RecordLevelCorruption()];
        _smallBomb = HostileBatches.Bomb(CompressionCodec.Zstd, 4L * 1024 * 1024);
    }

    /// <summary>One Produce frame (size prefix included) for a random partition, acks -1 or 1, version 3–8.</summary>
    public byte[] Next()
    {
        short version = (short)_random.Next(3, 9);
        // An unknown partition now and then; acks=1 or all (acks=0 would leave the pipeline without answers to drain).
        int partition = _random.Next(40) == 0 ? _partitions + 3 : _random.Next(_partitions);
        short acks = _random.Next(2) == 0 ? (short)-1 : (short)1;
        var writer = new KafkaWriter();
        int size = writer.ReserveInt32();
        writer.WriteInt16((short)ApiKey.Produce);
        writer.WriteInt16(version);
        writer.WriteInt32(++_correlationId);
        writer.WriteString(ClientId);
        writer.WriteNullableString(null);
        writer.WriteInt16(acks);
        writer.WriteInt32(1_000);
        writer.WriteArrayCount(1);
        writer.WriteString(_topic);
        writer.WriteArrayCount(1);
        writer.WriteInt32(partition);
        writer.WriteBytes(NextBatch());
        writer.PatchInt32(size, writer.Length - 4);
        return writer.WrittenSpan.ToArray();
    }

    private byte[] NextBatch()
    {
        int pick = _random.Next(100);
        if (pick == 0) return _smallBomb;
        if (pick < 6) return _corpus[_random.Next(_corpus.Length)].Batch;
        byte[] batch = (byte[])_templates[_random.Next(_templates.Length)].Clone();
        if (pick < 20) return batch; // valid: appended, and must be readable afterwards
        batch = _random.Next(9) switch
        {
            0 => FlipRecordBytes(batch),
            1 => ForgeVarint(batch),
            2 => CutRecords(batch),
            3 => PadRecords(batch),
            4 => WithInt32(batch, _random.Next(2) == 0 ? RecordBatchHeader.RecordCountPosition : RecordBatchHeader.LastOffsetDeltaPosition),
            5 => WithTimestamp(batch),
            6 => WithCodec(batch),
            7 => FlipHeaderByte(batch),
            _ => FlipRecordBytes(ForgeVarint(batch)),
        };
        // One in twenty keeps a stale CRC: that must be CORRUPT_MESSAGE before anything else is looked at.
        return _random.Next(20) == 0 ? batch : Resigned(batch);
    }

    private static byte[] ATemplateBatch(CompressionCodec codec, int records)
    {
        var builder = new RecordBatchBuilder().WithCompression(codec);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < records; i++)
        {
            IReadOnlyList<RecordHeader>? headers = i % 2 == 0 ? [new RecordHeader("h", [(byte)i]), new RecordHeader("trace", null)] : null;
            builder.Add(i % 3 == 0 ? null : $"key-{i}", $"value-{i}-{new string('x', i * 7)}", now + i, headers);
        }
        return builder.Build();
    }

    private int RecordPosition(byte[] batch) => _random.Next(RecordBatchHeader.Size, Math.Max(RecordBatchHeader.Size + 1, batch.Length));

    private byte[] FlipRecordBytes(byte[] batch)
    {
        if (batch.Length <= RecordBatchHeader.Size) return batch;
        int flips = _random.Next(1, 5);
        for (int i = 0; i < flips; i++) batch[RecordPosition(batch)] ^= (byte)_random.Next(1, 256);
        return batch;
    }

    /// <summary>A hostile varint written over the records (for uncompressed batches these land on lengths, counts and deltas).</summary>
    private byte[] ForgeVarint(byte[] batch)
    {
        if (batch.Length <= RecordBatchHeader.Size) return batch;
        using var varint = new MemoryStream();
        if (_random.Next(8) == 0) varint.Write(Enumerable.Repeat((byte)0xFF, 11).ToArray());
        else RecordVarint.WriteVarlong(varint, HostileVarlongs[_random.Next(HostileVarlongs.Length)]);
        int position = RecordPosition(batch);
        int length = (int)Math.Min(varint.Length, batch.Length - position);
        varint.GetBuffer().AsSpan(0, length).CopyTo(batch.AsSpan(position));
        return batch;
    }

    private byte[] CutRecords(byte[] batch)
    {
        byte[] cut = batch[..RecordPosition(batch)];
        return WithBatchLength(cut);
    }

    private byte[] PadRecords(byte[] batch)
    {
        byte[] padded = new byte[batch.Length + _random.Next(1, 32)];
        batch.CopyTo(padded, 0);
        _random.NextBytes(padded.AsSpan(batch.Length));
        return WithBatchLength(padded);
    }

    private byte[] WithInt32(byte[] batch, int position)
    {
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(position), HostileInt32s[_random.Next(HostileInt32s.Length)]);
        return batch;
    }

    private byte[] WithTimestamp(byte[] batch)
    {
        int position = _random.Next(2) == 0 ? RecordBatchHeader.MaxTimestampPosition : RecordBatchHeader.BaseTimestampPosition;
        long current = BinaryPrimitives.ReadInt64BigEndian(batch.AsSpan(position));
        long[] lies = [current - 1, current + 1, -1, 0, long.MaxValue, long.MinValue];
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(position), lies[_random.Next(lies.Length)]);
        return batch;
    }

    /// <summary>Another codec's bits (0–7, including unknown ones), or the transactional / log-append-time / control flags.</summary>
    private byte[] WithCodec(byte[] batch)
    {
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesPosition));
        attributes = _random.Next(3) == 0 ? (short)(attributes ^ (0x08 << _random.Next(3))) : (short)((attributes & ~0x07) | _random.Next(8));
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesPosition), attributes);
        return batch;
    }

    /// <summary>A byte of the CRC-covered header (attributes to recordCount) changed.</summary>
    private byte[] FlipHeaderByte(byte[] batch)
    {
        batch[_random.Next(RecordBatchHeader.AttributesPosition, RecordBatchHeader.Size)] ^= (byte)_random.Next(1, 256);
        return batch;
    }

    private static byte[] WithBatchLength(byte[] batch)
    {
        if (batch.Length >= RecordBatchHeader.Size)
            BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthPosition), batch.Length - RecordBatchHeader.LogOverhead);
        return batch;
    }

    private static byte[] Resigned(byte[] batch)
    {
        if (batch.Length >= RecordBatchHeader.Size)
            BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcPosition), RecordBatchHeader.ComputeCrc(batch));
        return batch;
    }
}
