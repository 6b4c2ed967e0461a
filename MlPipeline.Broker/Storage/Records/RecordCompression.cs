using System.Buffers;
using System.IO.Compression;
using System.Buffers.Binary;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace MlPipeline.Broker.Storage.Records;

/// <summary>
/// Compresses and decompresses the records block of a batch with the codecs Kafka clients use.
/// Snappy arrives either raw (librdkafka, Java clients) or in the xerial framing (older Java/kafka-python);
/// LZ4 is the standard frame format in batch v2 (the broken v0/v1 header checksum does not apply).
/// </summary>
public static class RecordCompression
{
    // "\x82SNAPPY\0" + version 1 + compatible version 1: the xerial snappy-java stream header.
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
    private const int XerialHeaderSize = 16;

    public static byte[] Decompress(CompressionCodec codec, ReadOnlySpan<byte> compressed) => codec switch
    {
        CompressionCodec.None => compressed.ToArray(),
        CompressionCodec.Gzip => DecompressStream(compressed, s => new GZipStream(s, CompressionMode.Decompress)),
        CompressionCodec.Snappy => DecompressSnappy(compressed),
        CompressionCodec.Lz4 => DecompressStream(compressed, s => LZ4Stream.Decode(s)),
        CompressionCodec.Zstd => DecompressStream(compressed, s => new DecompressionStream(s)),
        _ => throw new InvalidDataException($"compression codec {(int)codec} is not supported"),
    };

    public static byte[] Compress(CompressionCodec codec, ReadOnlySpan<byte> data) => codec switch
    {
        CompressionCodec.None => data.ToArray(),
        CompressionCodec.Gzip => CompressStream(data, s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true)),
        CompressionCodec.Snappy => Snappier.Snappy.CompressToArray(data),
        CompressionCodec.Lz4 => CompressStream(data, s => LZ4Stream.Encode(s, LZ4Level.L00_FAST, 0, leaveOpen: true)),
        CompressionCodec.Zstd => CompressStream(data, s => new CompressionStream(s, 3, leaveOpen: true)),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unknown compression codec"),
    };

    /// <summary>Wraps raw snappy data in the xerial framing (one chunk), as snappy-java producers send it.</summary>
    public static byte[] CompressSnappyXerial(ReadOnlySpan<byte> data)
    {
        var block = Snappier.Snappy.CompressToArray(data);
        var framed = new byte[XerialHeaderSize + 4 + block.Length];
        XerialMagic.CopyTo(framed);
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(12), 1);
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(XerialHeaderSize), block.Length);
        block.CopyTo(framed, XerialHeaderSize + 4);
        return framed;
    }

    /// <summary>
    /// Decompresses into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it), streaming, and
    /// stops as soon as the output would exceed <paramref name="maxOutputBytes"/>: a 200 MB bomb costs at most that
    /// many bytes of work and memory, not 200 MB. Decoders meet hostile bytes here, and each library throws its own
    /// exception types on garbage, so any failure to decode is reported as <see cref="DecompressionOutcome.Corrupt"/>.
    /// </summary>
    public static DecompressionOutcome TryDecompressBounded(CompressionCodec codec, ReadOnlySpan<byte> compressed, int maxOutputBytes,
        out byte[]? rented, out int length, out string? error)
    {
        rented = null;
        length = 0;
        error = null;
        byte[]? input = null;
        try
        {
            if (codec == CompressionCodec.Snappy)
                return DecompressSnappyBounded(compressed, maxOutputBytes, ref rented, ref length, out error);
            input = ArrayPool<byte>.Shared.Rent(compressed.Length);
            compressed.CopyTo(input);
            using var source = new MemoryStream(input, 0, compressed.Length, writable: false);
            using var decoder = OpenDecoder(codec, source, maxOutputBytes);
            return ReadBounded(decoder, compressed.Length, maxOutputBytes, ref rented, ref length, out error);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = $"{codec} data cannot be decompressed: {ex.Message}";
            return DecompressionOutcome.Corrupt;
        }
        finally
        {
            if (input is not null) ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>zstd frames declare their window size; a tiny hostile frame could otherwise make the decoder allocate up to 2 GB.</summary>
    private static int ZstdWindowLogMax(int maxOutputBytes) => Math.Clamp(64 - (int)ulong.LeadingZeroCount((ulong)Math.Max(1, maxOutputBytes - 1)), 21, 27);

    private static Stream OpenDecoder(CompressionCodec codec, Stream source, int maxOutputBytes)
    {
        switch (codec)
        {
            case CompressionCodec.Gzip:
                return new GZipStream(source, CompressionMode.Decompress);
            case CompressionCodec.Lz4:
                // LZ4 frames declare a block size of at most 4 MB, which bounds the decoder's own buffer.
                return LZ4Stream.Decode(source);
            case CompressionCodec.Zstd:
                var zstd = new DecompressionStream(source);
                zstd.SetParameter(ZstdSharp.Unsafe.ZSTD_dParameter.ZSTD_d_windowLogMax, ZstdWindowLogMax(maxOutputBytes));
                return zstd;
            default:
                throw new InvalidDataException($"compression codec {(int)codec} is not supported");
        }
    }

    /// <summary>Reads the decoder into a growing pooled buffer of at most maxOutputBytes + 1 (the extra byte detects "more").</summary>
    private static DecompressionOutcome ReadBounded(Stream decoder, int compressedLength, int maxOutputBytes, ref byte[]? rented, ref int length, out string? error)
    {
        int cap = maxOutputBytes == int.MaxValue ? int.MaxValue : maxOutputBytes + 1;
        rented = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap, Math.Max(16 * 1024L, compressedLength * 4L)));
        while (true)
        {
            if (length == rented.Length)
            {
                if (rented.Length >= cap)
                    break;
                var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap, rented.Length * 2L));
                rented.AsSpan(0, length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(rented);
                rented = grown;
            }
            int read = decoder.Read(rented, length, Math.Min(rented.Length, cap) - length);
            if (read == 0)
            {
                error = null;
                return DecompressionOutcome.Decoded;
            }
            length += read;
            if (length > maxOutputBytes)
                break;
        }
        error = $"records decompress to more than {maxOutputBytes} bytes (the topic's max.message.bytes)";
        return DecompressionOutcome.TooLarge;
    }

    /// <summary>Raw snappy states its decompressed length up front, so the bound is checked before any work.</summary>
    private static DecompressionOutcome DecompressSnappyBounded(ReadOnlySpan<byte> compressed, int maxOutputBytes, ref byte[]? rented, ref int length, out string? error)
    {
        bool xerial = compressed.Length >= XerialHeaderSize && compressed[..XerialMagic.Length].SequenceEqual(XerialMagic);
        long total = 0;
        // First pass: the chunk lengths and each chunk's declared output, so the buffer is rented once, bounded.
        var position = xerial ? XerialHeaderSize : 0;
        for (bool first = true; xerial ? position < compressed.Length : first; first = false)
        {
            var block = NextSnappyBlock(compressed, xerial, ref position);
            total += Snappier.Snappy.GetUncompressedLength(block);
            if (total > maxOutputBytes)
            {
                error = $"records decompress to more than {maxOutputBytes} bytes (the topic's max.message.bytes)";
                return DecompressionOutcome.TooLarge;
            }
        }
        rented = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, total));
        position = xerial ? XerialHeaderSize : 0;
        for (bool first = true; xerial ? position < compressed.Length : first; first = false)
        {
            var block = NextSnappyBlock(compressed, xerial, ref position);
            length += Snappier.Snappy.Decompress(block, rented.AsSpan(length));
        }
        error = null;
        return DecompressionOutcome.Decoded;
    }

    /// <summary>The next raw snappy block: the whole input, or one xerial chunk (int32 big-endian length, then the block).</summary>
    private static ReadOnlySpan<byte> NextSnappyBlock(ReadOnlySpan<byte> compressed, bool xerial, ref int position)
    {
        if (!xerial)
        {
            position = compressed.Length;
            return compressed;
        }
        if (compressed.Length - position < 4)
            throw new InvalidDataException("xerial snappy chunk length is truncated");
        var length = BinaryPrimitives.ReadInt32BigEndian(compressed[position..]);
        position += 4;
        if (length < 0 || length > compressed.Length - position)
            throw new InvalidDataException($"xerial snappy chunk of {length} bytes runs past the end");
        var block = compressed.Slice(position, length);
        position += length;
        return block;
    }

    private static byte[] DecompressSnappy(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length < XerialHeaderSize || !compressed[..XerialMagic.Length].SequenceEqual(XerialMagic))
            return Snappier.Snappy.DecompressToArray(compressed);

        // xerial: after the 16-byte header, a sequence of (int32 big-endian length, raw snappy block).
        using var output = new MemoryStream();
        var position = XerialHeaderSize;
        while (position < compressed.Length)
        {
            if (compressed.Length - position < 4)
                throw new InvalidDataException("xerial snappy chunk length is truncated");
            var length = BinaryPrimitives.ReadInt32BigEndian(compressed[position..]);
            position += 4;
            if (length < 0 || length > compressed.Length - position)
                throw new InvalidDataException($"xerial snappy chunk of {length} bytes runs past the end");
            output.Write(Snappier.Snappy.DecompressToArray(compressed.Slice(position, length)));
            position += length;
        }
        return output.ToArray();
    }

    private static byte[] DecompressStream(ReadOnlySpan<byte> compressed, Func<Stream, Stream> decoder)
    {
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        using var decoding = decoder(input);
        using var output = new MemoryStream(compressed.Length * 4);
        decoding.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] CompressStream(ReadOnlySpan<byte> data, Func<Stream, Stream> encoder)
    {
        using var output = new MemoryStream();
        using (var encoding = encoder(output))
            encoding.Write(data);
        return output.ToArray();
    }
}

/// <summary>How <see cref="RecordCompression.TryDecompressBounded"/> ended.</summary>
public enum DecompressionOutcome
{
    Decoded,
    /// <summary>The output would exceed the bound; decoding stopped there.</summary>
    TooLarge,
    /// <summary>The bytes are not valid data of the codec.</summary>
    Corrupt,
}
