using MlPipeline.Core.Data;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TrainingDataStoreTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private Task<TrainingDataStore> Open() =>
        TrainingDataStore.OpenAsync(new TrainingDataStoreOptions { Directory = directory.Path }, CancellationToken.None);

    private static ProcessedRow ARow(long rowNumber, string datasetId = "sales") => new(
        datasetId,
        rowNumber,
        new Dictionary<string, double> { ["Age"] = 30 + rowNumber },
        new Dictionary<string, string> { ["Gender"] = rowNumber % 2 == 0 ? "Male" : "Female" },
        rowNumber * 10);

    private static async Task<List<ProcessedRow>> ReadAll(TrainingDataStore store, string datasetId)
    {
        var rows = new List<ProcessedRow>();
        await foreach (var row in store.ReadRowsAsync(datasetId, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    [Test]
    public async Task AddingTheSameRowNumberTwice_StoresItOnce()
    {
        await using var store = await Open();

        var first = await store.AddAsync(ARow(1), CancellationToken.None);
        var again = await store.AddAsync(ARow(1) with { Label = 999 }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(again, Is.False);
            Assert.That(store.GetProgress("sales").AcceptedRows, Is.EqualTo(1));
            Assert.That((await ReadAll(store, "sales")).Single().Label, Is.EqualTo(10));
        }
    }

    [Test]
    public async Task StoredRows_ReadBackWithTheirFeatures()
    {
        await using var store = await Open();
        await store.AddAsync(ARow(1), CancellationToken.None);
        await store.AddAsync(ARow(2), CancellationToken.None);

        var rows = await ReadAll(store, "sales");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows.Select(r => r.RowNumber), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(rows[1].Numeric["Age"], Is.EqualTo(32));
            Assert.That(rows[1].Categorical["Gender"], Is.EqualTo("Male"));
        }
    }

    [Test]
    public async Task Completeness_CountsAcceptedAndRejectedRowsAgainstTheEndMarker()
    {
        await using var store = await Open();
        await store.AddAsync(ARow(1), CancellationToken.None);
        await store.AddRejectedAsync("sales", 2, "column 'Age' is missing", CancellationToken.None);
        await store.MarkEndAsync("sales", 3, CancellationToken.None);
        var before = store.IsComplete("sales");

        await store.AddAsync(ARow(3), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before, Is.False);
            Assert.That(store.GetProgress("sales"), Is.EqualTo(new DatasetProgress("sales", 2, 1, 3)));
            Assert.That(store.IsComplete("sales"), Is.True);
        }
    }

    [Test]
    public async Task Reopening_RebuildsTheIndexSoRedeliveriesStayNoOps()
    {
        var schema = new DatasetSchema("Total Amount", [new FeatureColumn("Age", FeatureKind.Numeric)], []);
        await using (var store = await Open())
        {
            await store.AddAsync(ARow(1), CancellationToken.None);
            await store.AddAsync(ARow(2), CancellationToken.None);
            await store.AddRejectedAsync("sales", 3, "bad", CancellationToken.None);
            await store.MarkEndAsync("sales", 4, CancellationToken.None);
            await store.RecordSchemaAsync("sales", schema, CancellationToken.None);
        }

        await using var reopened = await Open();
        var redelivered = await reopened.AddAsync(ARow(2), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(redelivered, Is.False);
            Assert.That(reopened.GetProgress("sales"), Is.EqualTo(new DatasetProgress("sales", 2, 1, 4)));
            Assert.That(reopened.GetSchema("sales")!.Features, Is.EqualTo(schema.Features));
            Assert.That(reopened.ListDatasets(), Is.EqualTo(new[] { "sales" }));
        }
    }

    [Test]
    public async Task NonFiniteNumbers_AreStoredAsTheContractsNamedLiterals_AndReadBackAfterReopening()
    {
        // processed_data allows "NaN" and "±Infinity" (ContractJson); a row the topic accepted is not lost in the store.
        var row = new ProcessedRow("sales", 1, new Dictionary<string, double> { ["Age"] = double.NaN, ["Max"] = double.PositiveInfinity }, new Dictionary<string, string>(), double.NegativeInfinity);
        await using (var store = await Open())
        {
            await store.AddRangeAsync("sales", [row], [], CancellationToken.None);
        }

        var written = await File.ReadAllTextAsync(Path.Combine(directory.Path, "sales.jsonl"));
        await using var reopened = await Open();
        var read = await ReadAll(reopened, "sales");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(written, Does.Contain("\"numeric\":{\"Age\":\"NaN\",\"Max\":\"Infinity\"}").And.Contain("\"label\":\"-Infinity\""));
            Assert.That(read, Has.Count.EqualTo(1));
            Assert.That(read[0].Numeric["Age"], Is.NaN);
            Assert.That(read[0].Numeric["Max"], Is.EqualTo(double.PositiveInfinity));
            Assert.That(read[0].Label, Is.EqualTo(double.NegativeInfinity));
        }
    }

    [Test]
    public async Task TornLastLine_IsCutOffOnOpenAndAppendsContinueCleanly()
    {
        await using (var store = await Open())
        {
            await store.AddAsync(ARow(1), CancellationToken.None);
            await store.AddAsync(ARow(2), CancellationToken.None);
        }

        var file = Directory.GetFiles(directory.Path, "*.jsonl").Single();
        await File.AppendAllTextAsync(file, "{\"kind\":\"Row\",\"dataset_id\":\"sales\",\"row_num");

        await using var reopened = await Open();
        await reopened.AddAsync(ARow(3), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.GetProgress("sales").AcceptedRows, Is.EqualTo(3));
            Assert.That((await ReadAll(reopened, "sales")).Select(r => r.RowNumber), Is.EqualTo(new long[] { 1, 2, 3 }));
        }
    }

    [Test]
    public async Task CorruptLineBeforeTheEnd_IsReportedNotSilentlySkipped()
    {
        await using (var store = await Open())
        {
            await store.AddAsync(ARow(1), CancellationToken.None);
        }

        var file = Directory.GetFiles(directory.Path, "*.jsonl").Single();
        var good = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, "garbage\n" + good);

        Assert.That(async () => await Open(), Throws.InstanceOf<InvalidDataException>());
    }

    [Test]
    public async Task SeveralDatasets_AreKeptApartAndReadTogether()
    {
        const string oddId = "sales/2023 ü..";
        await using var store = await Open();
        await store.AddAsync(ARow(1), CancellationToken.None);
        await store.AddAsync(ARow(1, oddId), CancellationToken.None);
        await store.AddAsync(ARow(2, oddId), CancellationToken.None);

        var all = new List<ProcessedRow>();
        await foreach (var row in store.ReadAllRowsAsync(CancellationToken.None))
        {
            all.Add(row);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(store.ListDatasets(), Is.EquivalentTo(new[] { "sales", oddId }));
            Assert.That(all, Has.Count.EqualTo(3));
            Assert.That(Directory.GetFiles(directory.Path), Has.Length.EqualTo(2));
            Assert.That((await ReadAll(store, oddId)).Select(r => r.DatasetId), Is.All.EqualTo(oddId));
        }
    }
}
