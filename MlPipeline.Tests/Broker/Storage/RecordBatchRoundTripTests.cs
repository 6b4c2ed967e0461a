using System.Text;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Tests.Broker.Storage;

[Parallelizable(ParallelScope.All)]
public sealed class RecordBatchRoundTripTests
{
    [TestCase(CompressionCodec.None)]
    [TestCase(CompressionCodec.Gzip)]
    [TestCase(CompressionCodec.Snappy)]
    [TestCase(CompressionCodec.Lz4)]
    [TestCase(CompressionCodec.Zstd)]
    public void BuildThenRead_EveryCodec_ReturnsTheSameRecords(CompressionCodec codec)
    {
        var batch = ABatchOfManyRecords(new RecordBatchBuilder().WithCompression(codec));

        AssertRecordsRoundTrip(batch, codec);
    }

    [Test]
    public void BuildThenRead_XerialFramedSnappy_ReturnsTheSameRecords()
    {
        var batch = ABatchOfManyRecords(new RecordBatchBuilder().WithXerialSnappy());

        AssertRecordsRoundTrip(batch, CompressionCodec.Snappy);
    }

    [Test]
    public void Read_NullAndEmptyKeysValuesAndHeaders_AreKeptDistinct()
    {
        var batch = new RecordBatchBuilder()
            .Add(null, [], 10, [new RecordHeader("h-null", null), new RecordHeader("h-empty", [])])
            .Add([], null, 5)
            .Build();

        var records = RecordBatchReader.ReadRecords(batch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(records[0].Key, Is.Null);
            Assert.That(records[0].Value, Is.Empty);
            Assert.That(records[0].Headers[0].Value, Is.Null);
            Assert.That(records[0].Headers[1].Value, Is.Empty);
            Assert.That(records[1].Key, Is.Empty);
            Assert.That(records[1].Value, Is.Null);
            Assert.That(records[1].Timestamp, Is.EqualTo(5), "a negative timestamp delta survives zig-zag encoding");
        }
    }

    [Test]
    public void FindFirstAtOrAfter_CompressedBatch_ReturnsExactRecord()
    {
        var batch = new RecordBatchBuilder().WithCompression(CompressionCodec.Zstd)
            .Add("a", "1", 100).Add("b", "2", 200).Add("c", "3", 300).Build();

        Assert.That(RecordBatchReader.FindFirstAtOrAfter(batch, 150), Is.EqualTo(((long)1, (long)200)));
    }

    private static byte[] ABatchOfManyRecords(RecordBatchBuilder builder)
    {
        for (var i = 0; i < 500; i++)
            builder.Add($"key-{i}", $"value-{i}-{new string('x', i % 50)}", 1_700_000_000_000 + i, [new RecordHeader("n", Encoding.UTF8.GetBytes(i.ToString()))]);
        return builder.WithProducer(42, 3, 7).Build();
    }

    private static void AssertRecordsRoundTrip(byte[] batch, CompressionCodec codec)
    {
        var valid = RecordBatchValidator.Validate(batch, int.MaxValue, out var header, out var reason);
        var records = RecordBatchReader.ReadRecords(batch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(valid, Is.EqualTo(ErrorCode.None), reason);
            Assert.That(header.Codec, Is.EqualTo(codec));
            Assert.That(records, Has.Count.EqualTo(500));
            for (var i = 0; i < records.Count; i += 97)
            {
                Assert.That(records[i].Offset, Is.EqualTo(i));
                Assert.That(records[i].Timestamp, Is.EqualTo(1_700_000_000_000 + i));
                Assert.That(Encoding.UTF8.GetString(records[i].Key!), Is.EqualTo($"key-{i}"));
                Assert.That(Encoding.UTF8.GetString(records[i].Value!), Is.EqualTo($"value-{i}-{new string('x', i % 50)}"));
                Assert.That(records[i].Headers.Single().Key, Is.EqualTo("n"));
                Assert.That(Encoding.UTF8.GetString(records[i].Headers.Single().Value!), Is.EqualTo(i.ToString()));
            }
        }
    }
}
