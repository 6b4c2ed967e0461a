using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ModelBaselineLoaderTests : IDisposable
{
    private static readonly Lazy<TrainedModel> Model = new(() => TrainedModels.TrainSynthetic(SyntheticRegressionData.Generate(150)));

    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Test]
    public async Task LoadCurrent_StoredCurrentVersion_BecomesDriftBaselineAndCurrentModel()
    {
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        var second = await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        await store.PromoteAsync("sales", second.Version, CancellationToken.None);
        var drift = new FeatureDriftMonitor(100, 10);
        var models = new ModelStatusTracker();

        await new ModelBaselineLoader(drift, models, store, TimeProvider.System, NullLogger<ModelBaselineLoader>.Instance)
            .LoadCurrentAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(drift.BaselineVersion("sales"), Is.EqualTo(2));
            Assert.That(models.Models.Single().CurrentVersion, Is.EqualTo(2));
            Assert.That(models.Models.Single().CurrentMetrics, Is.EqualTo(Model.Value.Report.Metrics));
        }
    }

    [Test]
    public async Task OnPromoted_NewVersion_SwitchesTheDriftBaseline()
    {
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        var first = await store.SaveNewVersionAsync("sales", Model.Value, CancellationToken.None);
        var drift = new FeatureDriftMonitor(100, 10);
        var loader = new ModelBaselineLoader(drift, new ModelStatusTracker(), store, TimeProvider.System, NullLogger<ModelBaselineLoader>.Instance);

        await loader.OnPromotedAsync("sales", first.Version, CancellationToken.None);

        Assert.That(drift.BaselineVersion("sales"), Is.EqualTo(1));
    }
}
