using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Writes Kafka's big-endian primitive types into a growable buffer. A handler writes a response body;
/// the server prepends the frame size and response header. Length prefixes that are only known after
/// the content (record sets, arrays built while iterating) are reserved and patched.
/// A writer built with an <see cref="ArrayPool{T}"/> rents its buffer and every larger one it grows into, and
/// gives them back as it grows, shrinks or is disposed: a connection's large fetch responses then reuse pooled
/// memory instead of allocating (and the kernel zeroing) fresh large-object-heap arrays each time.
/// </summary>
public sealed class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 16;
    // Null for a writer that owns plain arrays (requests built by tests and tools, small responses).
    private readonly ArrayPool<byte>? _pool;
    private byte[] _buffer;
    private int _length;

    public KafkaWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(MinimumCapacity, initialCapacity)];

    /// <summary>A writer whose buffers come from (and go back to) <paramref name="pool"/>; dispose it when done.</summary>
    public KafkaWriter(int initialCapacity, ArrayPool<byte> pool)
    {
        _pool = pool;
        _buffer = pool.Rent(Math.Max(MinimumCapacity, initialCapacity));
    }

    public int Length => _length;

    /// <summary>Bytes the current buffer can hold before it has to grow.</summary>
    public int Capacity => _buffer.Length;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Reset() => _length = 0;

    /// <summary>
    /// Empties the writer and swaps its buffer for one of about <paramref name="capacity"/> bytes (giving a pooled
    /// one back), so a buffer grown for one huge response is not held for the rest of a connection's life.
    /// </summary>
    public void Shrink(int capacity)
    {
        _length = 0;
        capacity = Math.Max(MinimumCapacity, capacity);
        if (_buffer.Length <= capacity) return;
        var large = _buffer;
        _buffer = _pool?.Rent(capacity) ?? new byte[capacity];
        _pool?.Return(large);
    }

    /// <summary>Gives a pooled buffer back; the writer must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_pool is null || _buffer.Length == 0) return;
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        _pool.Return(buffer);
    }

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

    /// <summary>Overwrites an int16 written earlier at <paramref name="position"/> (an error code decided late).</summary>
    public void PatchInt16(int position, short value) =>
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(position, 2), value);

    /// <summary>Drops everything written after the first <paramref name="length"/> bytes (a part that failed half-way).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        _length = length;
    }

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
        ObjectDisposedException.ThrowIf(_pool is not null && _buffer.Length == 0, this);
        int newSize = Math.Max(_buffer.Length * 2, _length + size);
        if (_pool is null)
        {
            Array.Resize(ref _buffer, newSize);
            return;
        }
        var grown = _pool.Rent(newSize);
        _buffer.AsSpan(0, _length).CopyTo(grown);
        var outgrown = _buffer;
        _buffer = grown;
        _pool.Return(outgrown);
    }
}
