using System.Text;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Training;

/// <summary><see cref="TrainingDataStore.AddRangeAsync"/>: batched writes, idempotence, crash safety and concurrent datasets.</summary>
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TrainingDataStoreBatchTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private Task<TrainingDataStore> Open(int writeBatchRows = 1_000) =>
        TrainingDataStore.OpenAsync(new TrainingDataStoreOptions { Directory = directory.Path, WriteBatchRows = writeBatchRows }, CancellationToken.None);

    private static ProcessedRow ARow(long rowNumber, string datasetId = "sales") => new(
        datasetId,
        rowNumber,
        new Dictionary<string, double> { ["Age"] = 30 + rowNumber },
        new Dictionary<string, string> { ["Gender"] = rowNumber % 2 == 0 ? "Male" : "Female" },
        rowNumber * 10);

    private static ProcessedRow[] Rows(long first, long last, string datasetId = "sales") =>
        [.. LongRange(first, last).Select(number => ARow(number, datasetId))];

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var number = first; number <= last; number++)
        {
            yield return number;
        }
    }

    private static async Task<List<long>> StoredRowNumbers(TrainingDataStore store, string datasetId = "sales")
    {
        var numbers = new List<long>();
        await foreach (var row in store.ReadRowsAsync(datasetId, CancellationToken.None))
        {
            numbers.Add(row.RowNumber);
        }

        return numbers;
    }

    [Test]
    public async Task AddRange_StoresRowsAndRejections_CountingOnlyRowNumbersNotStoredBefore()
    {
        await using var store = await Open(writeBatchRows: 3);
        await store.AddRangeAsync("sales", Rows(1, 2), [], CancellationToken.None);

        var stored = await store.AddRangeAsync(
            "sales",
            [.. Rows(1, 6), ARow(5)],
            [new RowRejection(7, "bad"), new RowRejection(2, "already stored as a row"), new RowRejection(7, "repeated")],
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored, Is.EqualTo(new StoredRowCounts(NewRows: 4, NewRejections: 1)));
            Assert.That(store.GetProgress("sales"), Is.EqualTo(new DatasetProgress("sales", 6, 1, null)));
            Assert.That(await StoredRowNumbers(store), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }));
        }
    }

    [Test]
    public async Task AddRange_TheSameMessageRedelivered_ChangesNothing()
    {
        await using var store = await Open(writeBatchRows: 4);
        var rows = Rows(1, 10);
        await store.AddRangeAsync("sales", rows, [new RowRejection(11, "bad")], CancellationToken.None);
        var fileLength = new FileInfo(Directory.GetFiles(directory.Path, "*.jsonl").Single()).Length;

        var again = await store.AddRangeAsync("sales", rows, [new RowRejection(11, "bad")], CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.EqualTo(new StoredRowCounts(0, 0)));
            Assert.That(new FileInfo(Directory.GetFiles(directory.Path, "*.jsonl").Single()).Length, Is.EqualTo(fileLength));
        }
    }

    [Test]
    public async Task RowOfAnotherDataset_IsRefusedAndNothingIsWritten()
    {
        await using var store = await Open();

        Assert.That(async () => await store.AddRangeAsync("sales", [ARow(1), ARow(2, "other")], [], CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("other"));
        Assert.That(store.GetProgress("sales").AcceptedRows, Is.Zero);
    }

    [Test]
    public async Task CrashMidBatch_ReopenKeepsTheWholeLinesAndRedeliveryStoresExactlyTheRest()
    {
        await using (var store = await Open(writeBatchRows: 10))
        {
            await store.AddRangeAsync("sales", Rows(1, 25), [], CancellationToken.None);
        }

        // A crash during the second batch's write: lines 1-14 whole on disk, line 15 half written, 16-25 never.
        var file = Directory.GetFiles(directory.Path, "*.jsonl").Single();
        var bytes = await File.ReadAllBytesAsync(file);
        var lineStarts = new List<int> { 0 };
        lineStarts.AddRange(bytes.Select((b, i) => (b, i)).Where(p => p.b == (byte)'\n').Select(p => p.i + 1));
        var tornAt = lineStarts[14] + ((lineStarts[15] - lineStarts[14]) / 2);
        await using (var truncate = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            truncate.SetLength(tornAt);
        }

        await using var reopened = await Open(writeBatchRows: 10);
        var afterCrash = reopened.GetProgress("sales").AcceptedRows;
        var fileCut = new FileInfo(file).Length;
        var redelivered = await reopened.AddRangeAsync("sales", Rows(1, 25), [], CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterCrash, Is.EqualTo(14));
            Assert.That(fileCut, Is.EqualTo(lineStarts[14]), "the torn tail is cut on open");
            Assert.That(redelivered.NewRows, Is.EqualTo(11));
            Assert.That(await StoredRowNumbers(reopened), Is.EqualTo(LongRange(1, 25)));
            Assert.That(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)).Split('\n'), Has.Length.EqualTo(26),
                "25 whole lines and nothing after the last newline");
        }
    }

    [Test]
    public async Task ReaderDuringBatchedWrites_SeesWholeBatchesOnly()
    {
        await using var store = await Open(writeBatchRows: 500);
        var writing = Task.Run(async () =>
        {
            for (var message = 0; message < 20; message++)
            {
                await store.AddRangeAsync("sales", Rows((message * 500) + 1, (message + 1) * 500), [], CancellationToken.None);
            }
        });

        var reads = new List<int>();
        while (!writing.IsCompleted)
        {
            reads.Add((await StoredRowNumbers(store)).Count);
        }

        await writing;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reads, Is.Ordered, "no read threw on a half-written batch, and none went backwards");
            Assert.That(reads.Where(count => count % 500 != 0), Is.Empty, "a read sees whole batches only");
            Assert.That(await StoredRowNumbers(store), Has.Count.EqualTo(10_000));
        }
    }

    [Test]
    public async Task ConcurrentWritersOfSeveralDatasets_StoreEveryRowOnceAndReopenTheSame()
    {
        string[] datasetIds = ["a", "b", "c"];
        await using (var store = await Open(writeBatchRows: 7))
        {
            // Two writers per dataset (a redelivery racing the original) and three datasets at once.
            var writers = datasetIds.SelectMany(id => new[] { 0, 1 }.Select(copy => Task.Run(async () =>
            {
                for (var message = 0; message < 30; message++)
                {
                    var first = (message * 20) + 1;
                    await store.AddRangeAsync(id, Rows(first, first + 19, id), [new RowRejection(10_000 + message, "bad")], CancellationToken.None);
                }
            })));
            await Task.WhenAll(writers);
        }

        await using var reopened = await Open();
        using (Assert.EnterMultipleScope())
        {
            foreach (var id in datasetIds)
            {
                Assert.That(reopened.GetProgress(id), Is.EqualTo(new DatasetProgress(id, 600, 30, null)), id);
                Assert.That(await StoredRowNumbers(reopened, id), Is.EqualTo(LongRange(1, 600)), id);
            }
        }
    }

    [Test]
    public async Task RowsArrivingInOrder_AreIndexedAsOneRange_AndAGapCostsOneRangeUntilFilled()
    {
        await using var store = await Open();
        await store.AddRangeAsync("sales", Rows(1, 1_000), [], CancellationToken.None);
        await store.AddRangeAsync("sales", Rows(2_001, 3_000), [], CancellationToken.None);
        var withGap = store.IndexedRangeCount("sales");

        await store.AddRangeAsync("sales", Rows(1_001, 2_000), [], CancellationToken.None);

        await using var reopened = await Open();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withGap, Is.EqualTo(2));
            Assert.That(store.IndexedRangeCount("sales"), Is.EqualTo(1));
            Assert.That(reopened.IndexedRangeCount("sales"), Is.EqualTo(1));
            Assert.That(reopened.GetProgress("sales").AcceptedRows, Is.EqualTo(3_000));
        }
    }
}
