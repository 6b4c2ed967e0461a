using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ModelStoreTests : IDisposable
{
    private static readonly Lazy<TrainedModel> Model = new(() => TrainedModels.TrainSynthetic(SyntheticRegressionData.Generate(150)));

    private readonly TemporaryDirectory directory = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => directory.Dispose();

    private ModelStore CreateStore(int keepVersions = 5) =>
        new(new ModelStoreOptions { RootDirectory = directory.Path, KeepVersions = keepVersions }, time);

    [Test]
    public async Task SaveNewVersion_NumbersVersionsUpwardFromOne()
    {
        var store = CreateStore();

        var first = await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        var second = await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Version, Is.EqualTo(1));
            Assert.That(second.Version, Is.EqualTo(2));
            Assert.That(store.ListVersions("sales"), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(File.Exists(Path.Combine(directory.Path, "sales", "2", "model.zip")), Is.True);
            Assert.That(File.Exists(Path.Combine(directory.Path, "sales", "2", "metadata.json")), Is.True);
        }
    }

    [Test]
    public async Task SaveNewVersion_NeverRewritesAnEarlierVersion()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        var firstBytes = await File.ReadAllBytesAsync(Path.Combine(directory.Path, "sales", "1", "metadata.json"));
        time.Advance(TimeSpan.FromMinutes(1));

        // A store opened later (e.g. after a restart) continues after the highest version on disk.
        var next = await CreateStore().SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(next.Version, Is.EqualTo(2));
            Assert.That(await File.ReadAllBytesAsync(Path.Combine(directory.Path, "sales", "1", "metadata.json")), Is.EqualTo(firstBytes));
            Assert.That(Directory.GetDirectories(Path.Combine(directory.Path, "sales")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "1", "2" }));
        }
    }

    [Test]
    public async Task Metadata_RoundTripsThroughDisk()
    {
        var store = CreateStore();
        var saved = await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        var read = (await store.GetMetadataAsync("sales", 1, CancellationToken.None))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Name, Is.EqualTo("sales"));
            Assert.That(read.Version, Is.EqualTo(1));
            Assert.That(read.SavedAt, Is.EqualTo(time.GetUtcNow()));
            Assert.That(read.Training.DatasetId, Is.EqualTo(saved.Training.DatasetId));
            Assert.That(read.Training.NumericFeatures, Is.EqualTo(saved.Training.NumericFeatures));
            Assert.That(read.Training.CategoricalFeatures, Is.EqualTo(saved.Training.CategoricalFeatures));
            Assert.That(read.Training.Metrics, Is.EqualTo(saved.Training.Metrics));
            Assert.That(read.Training.TrainingOptions, Is.EqualTo(saved.Training.TrainingOptions));
            Assert.That(read.Training.Schema.Features, Is.EqualTo(saved.Training.Schema.Features));
            Assert.That(read.Training.NumericStatistics["x1"].BinEdges, Is.EqualTo(saved.Training.NumericStatistics["x1"].BinEdges));
            Assert.That(read.Training.CategoricalStatistics["category"].Frequencies, Is.EquivalentTo(saved.Training.CategoricalStatistics["category"].Frequencies));
            Assert.That(read.Training.TrainRowCount + read.Training.HoldoutRowCount, Is.EqualTo(150));
            Assert.That(read.Training.Timings, Is.EqualTo(saved.Training.Timings));
        }
    }

    [Test]
    public async Task Retention_KeepsTheNewestVersionsAndTheCurrentOne()
    {
        var store = CreateStore(keepVersions: 2);
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        await store.PromoteAsync("sales", 1, CancellationToken.None);

        for (var i = 0; i < 3; i++)
        {
            await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        }

        Assert.That(store.ListVersions("sales"), Is.EqualTo(new[] { 1, 3, 4 }));
    }

    [Test]
    public async Task Promote_ReplacesTheCurrentPointerLeavingNoTempFiles()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        await store.PromoteAsync("sales", 1, CancellationToken.None);

        await store.PromoteAsync("sales", 2, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await store.GetCurrentAsync("sales", CancellationToken.None))!.Version, Is.EqualTo(2));
            Assert.That((await store.GetCurrentMetadataAsync("sales", CancellationToken.None))!.Version, Is.EqualTo(2));
            Assert.That(Directory.GetFiles(Path.Combine(directory.Path, "sales")).Select(Path.GetFileName), Is.EqualTo(new[] { "current.json" }));
        }
    }

    [Test]
    public async Task Promote_UnknownVersion_Throws()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        Assert.That(
            async () => await store.PromoteAsync("sales", 9, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.EqualTo("Model 'sales' has no version 9."));
    }

    [Test]
    public async Task GetCurrent_BeforeAnyPromotion_IsNull()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        Assert.That(await store.GetCurrentAsync("sales", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task TwoNames_AreVersionedIndependently()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        var other = await store.SaveNewVersionAsync("returns", Model.Value, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(store.ListModels(), Is.EqualTo(new[] { "returns", "sales" }));
            Assert.That(other.Version, Is.EqualTo(1));
            Assert.That(store.ListVersions("sales"), Is.EqualTo(new[] { 1, 2 }));
        }
    }

    [Test]
    public async Task LoadModel_ReturnsTheTransformerSchemaAndMetadata()
    {
        var store = CreateStore();
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);

        var loaded = await store.LoadModelAsync("sales", 1, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.Model, Is.Not.Null);
            Assert.That(loaded.InputSchema.GetColumnOrNull("Numeric"), Is.Not.Null);
            Assert.That(loaded.Schema.LabelColumn, Is.EqualTo("y"));
        }
    }

    [TestCase("../escape")]
    [TestCase(".hidden")]
    [TestCase("a b")]
    public void InvalidName_IsRefused(string name)
    {
        var store = CreateStore();

        Assert.That(() => store.ListVersions(name), Throws.ArgumentException);
    }
}
