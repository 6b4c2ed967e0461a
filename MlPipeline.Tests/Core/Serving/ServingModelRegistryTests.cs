using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

[Parallelizable(ParallelScope.All)]
public sealed class ServingModelRegistryTests
{
    private ServingModelFixture models = null!;

    [OneTimeSetUp]
    public void Train() => models = new ServingModelFixture();

    [Test]
    public void TryLease_NothingLoaded_ReturnsFalse()
    {
        using var directory = new TemporaryDirectory();
        using var registry = ServingModelFixture.Registry(new(new() { RootDirectory = directory.Path }, TimeProvider.System));

        Assert.That(registry.TryLease("m", out _), Is.False);
    }

    [Test]
    public async Task LoadAllAsync_ServesEachModelsCurrentVersionOnly()
    {
        using var directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory, "promoted");
        await store.SaveNewVersionAsync("never-promoted", models.First, CancellationToken.None);
        await store.PromoteAsync("promoted", 2, CancellationToken.None);
        using var registry = ServingModelFixture.Registry(store);

        await registry.LoadAllAsync(CancellationToken.None);

        Assert.That(registry.Versions, Is.EqualTo(new Dictionary<string, int> { ["promoted"] = 2 }));
    }

    [Test]
    public async Task RefreshAsync_AfterPromotion_NewLeasesGetTheNewVersionWhileAnOldLeaseKeepsScoring()
    {
        using var directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        await store.PromoteAsync("m", 1, CancellationToken.None);
        using var registry = ServingModelFixture.Registry(store);
        await registry.LoadAllAsync(CancellationToken.None);
        registry.TryLease("m", out var oldLease);

        await store.PromoteAsync("m", 2, CancellationToken.None);
        await registry.RefreshAsync("m", CancellationToken.None);
        registry.TryLease("m", out var newLease);

        using (oldLease)
        using (newLease)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(oldLease.Version, Is.EqualTo(1));
            Assert.That(newLease.Version, Is.EqualTo(2));
            Assert.That(oldLease.Scorer.Score(models.Row(0)).Succeeded, Is.True, "a request in flight finishes on the old version");
            Assert.That(newLease.Scorer.Score(models.Row(0)).Prediction, Is.Not.EqualTo(oldLease.Scorer.Score(models.Row(0)).Prediction));
        }
    }

    [Test]
    public async Task RefreshAsync_OldVersion_IsDisposedOnlyWhenItsLastLeaseIsReturned()
    {
        using var directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        await store.PromoteAsync("m", 1, CancellationToken.None);
        using var registry = ServingModelFixture.Registry(store);
        await registry.LoadAllAsync(CancellationToken.None);
        registry.TryLease("m", out var lease);
        var oldScorer = lease.Scorer;

        await store.PromoteAsync("m", 2, CancellationToken.None);
        await registry.RefreshAsync("m", CancellationToken.None);
        var usableWhileLeased = oldScorer.Score(models.Row(1)).Succeeded;
        lease.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(usableWhileLeased, Is.True);
            Assert.That(() => oldScorer.Score(models.Row(1)), Throws.InstanceOf<ObjectDisposedException>());
        }
    }

    [Test]
    public async Task RefreshAsync_PointerUnchanged_KeepsTheLoadedScorer()
    {
        using var directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        await store.PromoteAsync("m", 1, CancellationToken.None);
        using var registry = ServingModelFixture.Registry(store);
        await registry.LoadAllAsync(CancellationToken.None);
        registry.TryLease("m", out var before);
        before.Dispose();

        var version = await registry.RefreshAsync("m", CancellationToken.None);
        registry.TryLease("m", out var after);

        using (after)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(version, Is.EqualTo(1));
            Assert.That(after.Scorer, Is.SameAs(before.Scorer));
        }
    }

    [Test]
    public async Task Swaps_WhileManyCallersScore_NoCallFails()
    {
        using var directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        using var registry = ServingModelFixture.Registry(store);
        LoadedModel[] versions =
        [
            await store.LoadModelAsync("m", 1, CancellationToken.None),
            await store.LoadModelAsync("m", 2, CancellationToken.None),
        ];
        registry.Activate(new ModelScorer(versions[0]));
        using var done = new CancellationTokenSource();
        long calls = 0;

        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var failures = 0;
            while (!done.IsCancellationRequested)
            {
                if (registry.TryLease("m", out var lease))
                {
                    using (lease)
                    {
                        failures += lease.Scorer.Score(models.Row(2)).Succeeded ? 0 : 1;
                    }
                }
                else
                {
                    failures++;
                }

                Interlocked.Increment(ref calls);
            }

            return failures;
        })).ToArray();
        for (var swap = 0; swap < 20; swap++)
        {
            // Each swap lands while callers are mid-stream: wait for some calls between swaps.
            var target = Interlocked.Read(ref calls) + 20;
            while (Interlocked.Read(ref calls) < target)
            {
                await Task.Yield();
            }

            registry.Activate(new ModelScorer(versions[(swap + 1) % 2]));
        }

        await done.CancelAsync();

        Assert.That(await Task.WhenAll(callers), Is.All.Zero);
    }
}
