using System.Text;
using MlPipeline.Core.Data;

namespace MlPipeline.Tests.Core.Data;

[Parallelizable(ParallelScope.All)]
public sealed class CsvRowStreamTests
{
    private static async Task<List<CsvRow>> ReadAll(string text, bool withBom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (withBom)
        {
            bytes = [.. Encoding.UTF8.Preamble, .. bytes];
        }

        using var stream = new MemoryStream(bytes);
        var rows = new List<CsvRow>();
        await foreach (var row in new CsvRowStream().ReadAsync(stream, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    [Test]
    public async Task QuotedFieldWithComma_IsOneValue()
    {
        var rows = await ReadAll("name,city\n\"Smith, John\",Paris\n");

        Assert.That(rows[0].Values["name"], Is.EqualTo("Smith, John"));
    }

    [Test]
    public async Task NewlineInsideQuotes_StaysInTheValueAndRowNumbersCountRecords()
    {
        var rows = await ReadAll("note,n\n\"line one\nline two\",1\nplain,2\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows[0].Values["note"], Is.EqualTo("line one\nline two"));
            Assert.That(rows[1].RowNumber, Is.EqualTo(2));
            Assert.That(rows[1].Values["n"], Is.EqualTo("2"));
        }
    }

    [Test]
    public async Task CrlfLineEndings_AreNotPartOfValues()
    {
        var rows = await ReadAll("a,b\r\n1,2\r\n3,4\r\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows[1].Values["b"], Is.EqualTo("4"));
        }
    }

    [Test]
    public async Task Utf8Bom_IsNotPartOfTheFirstColumnName()
    {
        var rows = await ReadAll("Date,Total\n2023-01-01,5\n", withBom: true);

        Assert.That(rows[0].Header.Columns, Is.EqualTo(new[] { "Date", "Total" }));
    }

    [Test]
    public async Task UnnamedFirstColumn_IsNamedIndexAndMarked()
    {
        var rows = await ReadAll(",Date,Total\n0,2023-01-01,5\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows[0].Header.IndexColumn, Is.EqualTo("index"));
            Assert.That(rows[0].Values["index"], Is.EqualTo("0"));
        }
    }

    [Test]
    public async Task RowWithWrongColumnCount_IsYieldedWithAnErrorAndReadingGoesOn()
    {
        var rows = await ReadAll("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(4));
            Assert.That(rows[1].Error, Is.EqualTo("row has 2 columns, header has 3"));
            Assert.That(rows[2].Error, Is.EqualTo("row has 4 columns, header has 3"));
            Assert.That(rows[3].IsWellFormed, Is.True);
            Assert.That(rows[3].Values["c"], Is.EqualTo("12"));
        }
    }

    [TestCase("")]
    [TestCase("a,b\n")]
    public async Task EmptyOrHeaderOnlyInput_YieldsNoRows(string text)
    {
        Assert.That(await ReadAll(text), Is.Empty);
    }

    [Test]
    public async Task SampleFile_StreamsAllThousandRows()
    {
        var count = 0;
        await foreach (var row in new CsvRowStream().ReadFileAsync(TestData.SalesDatasetPath, CancellationToken.None))
        {
            Assert.That(row.IsWellFormed, Is.True, row.Error);
            count++;
        }

        Assert.That(count, Is.EqualTo(1000));
    }

    [Test]
    public async Task LargeStream_RowsArriveWhileTheInputIsStillMostlyUnread()
    {
        // Streaming, not materializing: when row N is yielded the reader has pulled only a bounded
        // window past it from the source (one buffer), whatever the file size.
        const int rowCount = 1_000_000;
        await using var stream = new GeneratedCsvStream(rowCount);
        long read = 0;
        long bytesReadAtFirstRow = 0;
        long maxLookAhead = 0;
        await foreach (var row in new CsvRowStream().ReadAsync(stream, CancellationToken.None))
        {
            read++;
            if (read == 1)
            {
                bytesReadAtFirstRow = stream.BytesServed;
            }

            maxLookAhead = Math.Max(maxLookAhead, stream.BytesServed - stream.OffsetOfRow(read));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(read, Is.EqualTo(rowCount));
            Assert.That(bytesReadAtFirstRow, Is.LessThan(1 << 20));
            Assert.That(maxLookAhead, Is.LessThan(1 << 20));
        }
    }

    /// <summary>A read-only stream that yields "a,b\n" then numbered rows, never holding them all.</summary>
    private sealed class GeneratedCsvStream(int rows) : Stream
    {
        private const int HeaderBytes = 4;

        private byte[] pending = Encoding.ASCII.GetBytes("a,b\n");
        private int pendingOffset;
        private int nextRow;

        public long BytesServed { get; private set; }

        /// <summary>Byte offset where data row <paramref name="rowNumber"/> (1-based) starts.</summary>
        public long OffsetOfRow(long rowNumber)
        {
            // Row i is "{i},value-{i}\n"; sum the lengths of rows 0..rowNumber-2 digit band by digit band.
            long offset = HeaderBytes;
            var remaining = rowNumber - 1;
            long bandStart = 0;
            for (var digits = 1; remaining > 0; digits++)
            {
                var bandEnd = (long)Math.Pow(10, digits);
                var inBand = Math.Min(remaining, bandEnd - bandStart);
                offset += inBand * (2 * digits + 8);
                remaining -= inBand;
                bandStart = bandEnd;
            }

            return offset;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var written = 0;
            while (written < count)
            {
                if (pendingOffset == pending.Length)
                {
                    if (nextRow == rows)
                    {
                        break;
                    }

                    pending = Encoding.ASCII.GetBytes($"{nextRow},value-{nextRow}\n");
                    pendingOffset = 0;
                    nextRow++;
                }

                var take = Math.Min(count - written, pending.Length - pendingOffset);
                Array.Copy(pending, pendingOffset, buffer, offset + written, take);
                pendingOffset += take;
                written += take;
            }

            BytesServed += written;
            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
