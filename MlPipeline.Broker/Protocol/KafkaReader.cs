using System.Buffers.Binary;
using System.Text;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Reads Kafka's big-endian primitive types from one request body. Every read is bounds-checked and
/// throws <see cref="ProtocolException"/> instead of reading past the frame, so hostile input can only
/// ever close its own connection.
/// </summary>
public ref struct KafkaReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;
    public readonly int Remaining => _buffer.Length - _position;
    public readonly bool End => _position >= _buffer.Length;

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBoolean() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    /// <summary>Non-nullable string (int16 length). A null on the wire is read as an empty string.</summary>
    public string ReadString() => ReadNullableString() ?? string.Empty;

    public string? ReadNullableString()
    {
        short length = ReadInt16();
        if (length < 0) return null;
        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Nullable bytes (int32 length); returns a slice of the request buffer, copied.</summary>
    public byte[]? ReadNullableBytes()
    {
        int length = ReadInt32();
        if (length < 0) return null;
        return Take(length).ToArray();
    }

    public byte[] ReadBytes() => ReadNullableBytes() ?? [];

    /// <summary>Bytes (int32 length) as a span over the request buffer, without copying.</summary>
    public ReadOnlySpan<byte> ReadBytesSpan()
    {
        int length = ReadInt32();
        if (length < 0) return [];
        return Take(length);
    }

    /// <summary>
    /// Reads an array count (int32; -1 = null, returned as -1). Rejects counts that could not possibly fit in
    /// the rest of the frame given each element's minimum size, so a forged count cannot make us allocate.
    /// </summary>
    public int ReadArrayCount(int minElementSize = 1)
    {
        int count = ReadInt32();
        if (count < -1) throw new ProtocolException($"negative array length {count}");
        if (count > 0 && (long)count * Math.Max(1, minElementSize) > Remaining)
            throw new ProtocolException($"array length {count} exceeds the {Remaining} bytes left in the request");
        return count;
    }

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new ProtocolException("unsigned varint longer than 5 bytes");
    }

    /// <summary>Skips a tagged-field section (flexible versions only; used by the ApiVersions v3 probe).</summary>
    public void SkipTaggedFields()
    {
        uint count = ReadUnsignedVarInt();
        for (uint i = 0; i < count; i++)
        {
            ReadUnsignedVarInt(); // tag
            uint size = ReadUnsignedVarInt();
            Take(checked((int)size));
        }
    }

    public ReadOnlySpan<byte> ReadRaw(int length) => Take(length);

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > Remaining)
            throw new ProtocolException($"request truncated: needed {length} bytes at offset {_position}, {Remaining} left");
        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }
}
