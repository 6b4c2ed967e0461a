namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Zig-zag varints as used inside v2 records (protobuf style): small magnitudes, positive or negative,
/// take one byte. Readers advance a position over a span; writers append to a list-like buffer.
/// </summary>
internal static class RecordVarint
{
    private const int MaxVarlongBytes = 10;

    public static long ReadVarlong(ReadOnlySpan<byte> data, ref int position)
    {
        ulong raw = 0;
        for (var shift = 0; shift < MaxVarlongBytes * 7; shift += 7)
        {
            if (position >= data.Length)
                throw new InvalidDataException("record varint runs past the end of the batch");
            var b = data[position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return (long)(raw >> 1) ^ -(long)(raw & 1);
        }
        throw new InvalidDataException("record varint is longer than 10 bytes");
    }

    public static int ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        var value = ReadVarlong(data, ref position);
        if (value is < int.MinValue or > int.MaxValue)
            throw new InvalidDataException($"record varint {value} does not fit in 32 bits");
        return (int)value;
    }

    public static void WriteVarlong(Stream destination, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        while (raw >= 0x80)
        {
            destination.WriteByte((byte)(raw | 0x80));
            raw >>= 7;
        }
        destination.WriteByte((byte)raw);
    }
}
