namespace MlPipeline.Broker.Storage.Records;

/// <summary>The codec in bits 0–2 of a record batch's attributes; the values are the wire values.</summary>
public enum CompressionCodec
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}
