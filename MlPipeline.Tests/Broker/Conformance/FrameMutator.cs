using System.Buffers.Binary;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Turns valid request frames into hostile ones, reproducibly from a seeded <see cref="Random"/>: flipped
/// bytes, truncation, forged lengths and array counts (huge, negative, zero), unknown API keys and versions,
/// lying size prefixes, trailing junk, pure noise — and now and then the valid frame itself, so sequences
/// of accepted requests mix with the garbage.
/// </summary>
public sealed class FrameMutator(IReadOnlyList<byte[]> templates, Random random)
{
    // Offsets inside a frame: size prefix (4), api key (2), version (2), correlation id (4), then client id.
    private const int ApiKeyPosition = 4;
    private const int VersionPosition = 6;
    private const int CorrelationPosition = 8;

    private static readonly int[] HostileInt32s = [-1, -2, int.MinValue, int.MaxValue, 0, 1, 0x7FFF, 0x10000000, 1_000_000];
    private static readonly short[] HostileInt16s = [-1, -2, short.MinValue, short.MaxValue, 0, 0x7FFE];

    private int _correlationId;

    public byte[] Next()
    {
        byte[] frame = (byte[])templates[random.Next(templates.Count)].Clone();
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(CorrelationPosition), ++_correlationId);
        // Three in fourteen frames stay valid, so a connection usually gets some real work before the garbage.
        return random.Next(14) switch
        {
            0 or 1 or 2 => frame,
            3 => FlipBytes(frame),
            4 => Truncate(frame),
            5 => OverwriteInt32(frame),
            6 => OverwriteInt16(frame),
            7 => WithInt16At(frame, ApiKeyPosition, (short)random.Next(short.MinValue, short.MaxValue)),
            8 => WithInt16At(frame, VersionPosition, random.Next(2) == 0 ? HostileInt16s[random.Next(HostileInt16s.Length)] : (short)random.Next(-5, 40)),
            9 => LyingSizePrefix(frame),
            10 => AppendJunk(frame),
            11 => Noise(),
            _ => OverwriteInt32(FlipBytes(frame)),
        };
    }

    private byte[] FlipBytes(byte[] frame)
    {
        int flips = random.Next(1, 9);
        for (int i = 0; i < flips; i++)
            frame[random.Next(4, frame.Length)] ^= (byte)random.Next(1, 256);
        return frame;
    }

    /// <summary>Cut the body short but keep the size prefix consistent: a complete frame with too few bytes.</summary>
    private byte[] Truncate(byte[] frame)
    {
        int length = random.Next(5, frame.Length);
        byte[] cut = frame[..length];
        BinaryPrimitives.WriteInt32BigEndian(cut, length - 4);
        return cut;
    }

    /// <summary>A length, count or field forged anywhere after the size prefix.</summary>
    private byte[] OverwriteInt32(byte[] frame)
    {
        if (frame.Length < 8) return frame;
        int position = random.Next(4, frame.Length - 3);
        int value = random.Next(3) == 0 ? random.Next(int.MinValue, int.MaxValue) : HostileInt32s[random.Next(HostileInt32s.Length)];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(position), value);
        return frame;
    }

    /// <summary>A string length or int16 field forged anywhere after the size prefix.</summary>
    private byte[] OverwriteInt16(byte[] frame) =>
        WithInt16At(frame, random.Next(4, frame.Length - 1), HostileInt16s[random.Next(HostileInt16s.Length)]);

    private static byte[] WithInt16At(byte[] frame, int position, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(position), value);
        return frame;
    }

    /// <summary>The size prefix disagrees with the frame: negative, zero, huge, or a few bytes off (desynchronising the stream).</summary>
    private byte[] LyingSizePrefix(byte[] frame)
    {
        int actual = frame.Length - 4;
        int[] lies = [-1, 0, int.MaxValue, int.MinValue, 200_000_000, actual + random.Next(1, 64), Math.Max(1, actual - random.Next(1, 16))];
        BinaryPrimitives.WriteInt32BigEndian(frame, lies[random.Next(lies.Length)]);
        return frame;
    }

    private byte[] AppendJunk(byte[] frame)
    {
        byte[] longer = new byte[frame.Length + random.Next(1, 256)];
        frame.CopyTo(longer, 0);
        random.NextBytes(longer.AsSpan(frame.Length));
        BinaryPrimitives.WriteInt32BigEndian(longer, longer.Length - 4);
        return longer;
    }

    /// <summary>Random bytes behind a plausible size prefix.</summary>
    private byte[] Noise()
    {
        byte[] noise = new byte[4 + random.Next(1, 512)];
        random.NextBytes(noise.AsSpan(4));
        BinaryPrimitives.WriteInt32BigEndian(noise, noise.Length - 4);
        return noise;
    }
}
