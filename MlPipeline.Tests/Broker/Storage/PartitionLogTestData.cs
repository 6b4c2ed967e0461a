using System.Buffers;
using System.Text;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Tests.Broker.Storage;

/// <summary>Builders and read helpers shared by the partition log tests.</summary>
internal static class PartitionLogTestData
{
    /// <summary>A batch of <paramref name="count"/> records "v{first}".."v{first+count-1}" stamped from <paramref name="timestamp"/>.</summary>
    public static byte[] ABatch(int first, int count, long timestamp = 1_000, CompressionCodec codec = CompressionCodec.None, int valueBytes = 0)
    {
        var builder = new RecordBatchBuilder().WithCompression(codec);
        for (var i = 0; i < count; i++)
            builder.Add($"k{first + i}", $"v{first + i}" + new string('p', valueBytes), timestamp + i);
        return builder.Build();
    }

    public static byte[] ReadBytes(IPartitionLog log, long offset, int maxBytes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var written = log.Read(offset, maxBytes, buffer);
        Assert.That(written, Is.EqualTo(buffer.WrittenCount), "Read reports the bytes it wrote");
        return buffer.WrittenSpan.ToArray();
    }

    public static IReadOnlyList<RecordBatchHeader> ReadHeaders(IPartitionLog log, long offset, int maxBytes)
    {
        var bytes = ReadBytes(log, offset, maxBytes).AsSpan();
        var headers = new List<RecordBatchHeader>();
        while (bytes.Length > 0)
        {
            var header = RecordBatchHeader.Parse(bytes);
            headers.Add(header);
            bytes = bytes[header.TotalSize..];
        }
        return headers;
    }

    /// <summary>Every value from <paramref name="offset"/> to the end, reading as a consumer would.</summary>
    public static IReadOnlyList<string> ReadAllValues(IPartitionLog log, long offset = 0)
    {
        var values = new List<string>();
        var next = offset;
        while (next < log.LogEndOffset)
        {
            var records = RecordBatchReader.ReadAllRecords(ReadBytes(log, next, 64 * 1024));
            foreach (var record in records.Where(r => r.Offset >= next))
                values.Add(Encoding.UTF8.GetString(record.Value!));
            next = records[^1].Offset + 1;
        }
        return values;
    }
}
