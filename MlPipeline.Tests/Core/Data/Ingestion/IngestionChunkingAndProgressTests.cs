using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Data.Ingestion;

[Parallelizable(ParallelScope.All)]
public sealed class IngestionChunkingAndProgressTests
{
    [TestCase(10, 3, new[] { 3, 3, 3, 1 })]
    [TestCase(6, 3, new[] { 3, 3 })]
    [TestCase(2, 1, new[] { 1, 1 })]
    [TestCase(0, 5, new int[0])]
    public async Task ChunksAsync_Rows_GroupsInOrderWithAShortLastChunk(int rows, int size, int[] expectedSizes)
    {
        var chunks = new List<IReadOnlyList<RawRow>>();
        await foreach (var chunk in DatasetIngestor.ChunksAsync(Rows(rows), size, CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(chunks.Select(c => c.Count), Is.EqualTo(expectedSizes));
            Assert.That(chunks.SelectMany(c => c).Select(r => r.RowNumber), Is.EqualTo(Enumerable.Range(1, rows).Select(n => (long)n)));
        }
    }

    [Test]
    public void Derive_NothingKnown_IsNull() =>
        Assert.That(IngestionProgress.Derive("ds", null, new DatasetProgress("ds", 0, 0, null), null), Is.Null);

    [Test]
    public void Derive_IngestionStates_FailureThenDownstreamThenOwnState()
    {
        var job = new IngestionJob { DatasetId = "ds", FilePath = "/d/a.csv", Model = "m", Label = "y", CreatedAt = DateTimeOffset.UnixEpoch, StartMessageId = "id", State = IngestionState.Published, RowsRead = 10, RowsPublished = 10 };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(IngestionProgress.Derive("ds", job, new DatasetProgress("ds", 0, 0, null), null)!.State, Is.EqualTo(IngestionState.Published));
            Assert.That(IngestionProgress.Derive("ds", job, new DatasetProgress("ds", 4, 1, null), null)!.State, Is.EqualTo(IngestionState.Processing));
            Assert.That(IngestionProgress.Derive("ds", job, new DatasetProgress("ds", 8, 2, 10), "done")!.State, Is.EqualTo(IngestionState.Completed));
            Assert.That(IngestionProgress.Derive("ds", job with { State = IngestionState.Failed }, new DatasetProgress("ds", 8, 2, 10), null)!.State, Is.EqualTo(IngestionState.Failed));
            Assert.That(IngestionProgress.Derive("ds", null, new DatasetProgress("ds", 8, 2, 10), null)!.RowsProcessed, Is.EqualTo(8), "known downstream only (record lost)");
        }
    }

    private static async IAsyncEnumerable<CsvRow> Rows(int count)
    {
        var header = new CsvHeader(["a"], null);
        for (var i = 1; i <= count; i++)
        {
            await Task.Yield();
            yield return new CsvRow(i, header, new Dictionary<string, string> { ["a"] = "1" }, 1, null);
        }
    }
}
