using System.Buffers.Binary;
using System.Text;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Builds a valid v2 record batch, as a producer would send it (CRC included). For tests and benchmarks:
/// <code>
/// byte[] batch = new RecordBatchBuilder()
///     .WithCompression(CompressionCodec.Lz4)
///     .WithProducer(producerId: 7, producerEpoch: 0, baseSequence: 0)
///     .Add("key", "value", timestamp: 1_700_000_000_000)
///     .Build();
/// </code>
/// </summary>
public sealed class RecordBatchBuilder
{
    private readonly List<RecordToWrite> _records = [];
    private CompressionCodec _codec = CompressionCodec.None;
    private bool _xerialSnappy;
    private long _baseOffset;
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private int _baseSequence = -1;

    public int Count => _records.Count;

    public RecordBatchBuilder WithCompression(CompressionCodec codec)
    {
        _codec = codec;
        _xerialSnappy = false;
        return this;
    }

    /// <summary>Snappy in the xerial framing that snappy-java based producers use.</summary>
    public RecordBatchBuilder WithXerialSnappy()
    {
        _codec = CompressionCodec.Snappy;
        _xerialSnappy = true;
        return this;
    }

    /// <summary>Idempotent producer fields; the defaults (-1) mean a non-idempotent producer.</summary>
    public RecordBatchBuilder WithProducer(long producerId, short producerEpoch, int baseSequence)
    {
        _producerId = producerId;
        _producerEpoch = producerEpoch;
        _baseSequence = baseSequence;
        return this;
    }

    /// <summary>The baseOffset field as sent (producers send 0; the log overwrites it).</summary>
    public RecordBatchBuilder WithBaseOffset(long baseOffset)
    {
        _baseOffset = baseOffset;
        return this;
    }

    public RecordBatchBuilder Add(RecordToWrite record)
    {
        _records.Add(record);
        return this;
    }

    public RecordBatchBuilder Add(byte[]? key, byte[]? value, long timestamp, IReadOnlyList<RecordHeader>? headers = null) =>
        Add(new RecordToWrite(key, value, timestamp, headers));

    /// <summary>UTF-8 convenience overload; a null string is a Kafka null.</summary>
    public RecordBatchBuilder Add(string? key, string? value, long timestamp, IReadOnlyList<RecordHeader>? headers = null) =>
        Add(key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value), timestamp, headers);

    public byte[] Build()
    {
        if (_records.Count == 0)
            throw new InvalidOperationException("A record batch needs at least one record.");

        var baseTimestamp = _records[0].Timestamp;
        var maxTimestamp = _records.Max(r => r.Timestamp);
        byte[] body;
        using (var records = new MemoryStream())
        {
            for (var i = 0; i < _records.Count; i++)
                WriteRecord(records, _records[i], i, baseTimestamp);
            body = _codec == CompressionCodec.None ? records.ToArray()
                : _xerialSnappy ? RecordCompression.CompressSnappyXerial(records.GetBuffer().AsSpan(0, (int)records.Length))
                : RecordCompression.Compress(_codec, records.GetBuffer().AsSpan(0, (int)records.Length));
        }

        var batch = new byte[RecordBatchHeader.Size + body.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseOffsetPosition..], _baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BatchLengthPosition..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.PartitionLeaderEpochPosition..], -1);
        span[RecordBatchHeader.MagicPosition] = (byte)RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.AttributesPosition..], (short)_codec);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LastOffsetDeltaPosition..], _records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampPosition..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampPosition..], maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdPosition..], _producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochPosition..], _producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequencePosition..], _baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountPosition..], _records.Count);
        body.CopyTo(span[RecordBatchHeader.Size..]);
        // The CRC goes last: it covers everything from the attributes on, including the records.
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchHeader.CrcPosition..], RecordBatchHeader.ComputeCrc(span));
        return batch;
    }

    private static void WriteRecord(MemoryStream destination, RecordToWrite record, int offsetDelta, long baseTimestamp)
    {
        using var body = new MemoryStream();
        body.WriteByte(0); // attributes
        RecordVarint.WriteVarlong(body, record.Timestamp - baseTimestamp);
        RecordVarint.WriteVarlong(body, offsetDelta);
        WriteBytes(body, record.Key);
        WriteBytes(body, record.Value);
        var headers = record.Headers ?? [];
        RecordVarint.WriteVarlong(body, headers.Count);
        foreach (var header in headers)
        {
            WriteBytes(body, Encoding.UTF8.GetBytes(header.Key));
            WriteBytes(body, header.Value);
        }
        RecordVarint.WriteVarlong(destination, body.Length);
        body.WriteTo(destination);
    }

    private static void WriteBytes(MemoryStream destination, byte[]? bytes)
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
