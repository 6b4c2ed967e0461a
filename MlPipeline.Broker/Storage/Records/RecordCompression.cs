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
