using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Writes Kafka's big-endian primitive types into a growable buffer. A handler writes a response body;
/// the server prepends the frame size and response header. Length prefixes that are only known after
/// the content (record sets, arrays built while iterating) are reserved and patched.
/// </summary>
public sealed class KafkaWriter : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    public KafkaWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(16, initialCapacity)];

    public int Length => _length;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Reset() => _length = 0;

    public void WriteInt8(sbyte value) => Span(1)[0] = (byte)value;
    public void WriteBoolean(bool value) => Span(1)[0] = value ? (byte)1 : (byte)0;
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Span(2), value);
    public void WriteInt16(ErrorCode value) => WriteInt16((short)value);
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Span(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Span(8), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Span(4), value);
    public void WriteUuid(Guid value) => value.TryWriteBytes(Span(16), bigEndian: true, out _);

    public void WriteString(string value) => WriteNullableString(value);

    public void WriteNullableString(string? value)
    {
        if (value is null) { WriteInt16(-1); return; }
        int byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > short.MaxValue) throw new ArgumentException("string longer than a Kafka int16 length allows", nameof(value));
        WriteInt16((short)byteCount);
        Encoding.UTF8.GetBytes(value, Span(byteCount));
    }

    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull) { WriteInt32(-1); return; }
        WriteInt32(value.Length);
        WriteRaw(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value) => WriteNullableBytes(value);

    public void WriteArrayCount(int count) => WriteInt32(count);

    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Span(value.Length));

    /// <summary>Reserves an int32 to be patched later with <see cref="PatchInt32"/>; returns its position.</summary>
    public int ReserveInt32()
    {
        int position = _length;
        Span(4);
        return position;
    }

    public void PatchInt32(int position, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    public void WriteUnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            Span(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Span(1)[0] = (byte)value;
    }

    /// <summary>An empty tagged-field section.</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarInt(0);

    // IBufferWriter<byte>, so codecs and serializers can write straight into the response.
    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    private Span<byte> Span(int size)
    {
        Ensure(size);
        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }

    private void Ensure(int size)
    {
        if (_length + size <= _buffer.Length) return;
        int newSize = Math.Max(_buffer.Length * 2, _length + size);
        Array.Resize(ref _buffer, newSize);
    }
}
