using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Serving;

namespace MlPipeline.Tests.Core.Serving;

[Parallelizable(ParallelScope.All)]
public sealed class PredictionResultCacheTests
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);

    private static PredictionResult AResult(double prediction = 1.5) =>
        new(PredictionResult.Ok, prediction, "m", 1, null, null);

    private static (PredictionResultCache Cache, FakeTimeProvider Time) ACache(int capacity = 10)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        return (new PredictionResultCache(capacity, TimeToLive, time), time);
    }

    [Test]
    public void Get_RegisteredThenCompleted_MovesFromPendingToCompleted()
    {
        var (cache, _) = ACache();
        cache.Register("a");
        var pending = cache.Get("a");
        var completed = cache.TryComplete("a", AResult());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pending.State, Is.EqualTo(PredictionLookupState.Pending));
            Assert.That(completed, Is.True);
            Assert.That(cache.Get("a"), Is.EqualTo(new PredictionLookup(PredictionLookupState.Completed, AResult())));
        }
    }

    [Test]
    public void TryComplete_IdNeverIssued_IsIgnored()
    {
        var (cache, _) = ACache();

        var completed = cache.TryComplete("someone-else", AResult());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(completed, Is.False);
            Assert.That(cache.Get("someone-else").State, Is.EqualTo(PredictionLookupState.Unknown));
            Assert.That(cache.Count, Is.Zero);
        }
    }

    [Test]
    public void TryComplete_SecondResultForTheSameId_KeepsTheFirst()
    {
        var (cache, _) = ACache();
        cache.Register("a");
        cache.TryComplete("a", AResult(1));

        var again = cache.TryComplete("a", AResult(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.False);
            Assert.That(cache.Get("a").Result!.Prediction, Is.EqualTo(1));
        }
    }

    [Test]
    public void Get_AfterTimeToLive_IsForgotten()
    {
        var (cache, time) = ACache();
        cache.Register("a");
        cache.TryComplete("a", AResult());

        time.Advance(TimeToLive - TimeSpan.FromMilliseconds(1));
        var justBefore = cache.Get("a").State;
        time.Advance(TimeSpan.FromMilliseconds(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(justBefore, Is.EqualTo(PredictionLookupState.Completed));
            Assert.That(cache.Get("a").State, Is.EqualTo(PredictionLookupState.Unknown));
            Assert.That(cache.Count, Is.Zero);
        }
    }

    [Test]
    public void Register_BeyondCapacity_ForgetsTheOldestFirst()
    {
        var (cache, _) = ACache(capacity: 3);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            cache.Register(id);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(cache.Count, Is.EqualTo(3));
            Assert.That(cache.Get("a").State, Is.EqualTo(PredictionLookupState.Unknown));
            Assert.That(new[] { "b", "c", "d" }.Select(id => cache.Get(id).State), Is.All.EqualTo(PredictionLookupState.Pending));
        }
    }

    [Test]
    public async Task WaitAsync_ResultArrivesLater_ReturnsIt()
    {
        var (cache, _) = ACache();
        cache.Register("a");

        var waiting = cache.WaitAsync("a", TimeSpan.FromSeconds(30), CancellationToken.None);
        cache.TryComplete("a", AResult(4));

        Assert.That((await waiting)?.Prediction, Is.EqualTo(4));
    }

    [Test]
    public async Task WaitAsync_NoResultWithinTimeout_ReturnsNull()
    {
        var (cache, time) = ACache();
        cache.Register("a");

        var waiting = cache.WaitAsync("a", TimeSpan.FromSeconds(2), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.That(await waiting, Is.Null);
    }

    [Test]
    public async Task WaitAsync_UnknownId_ReturnsNullAtOnce()
    {
        var (cache, _) = ACache();

        Assert.That(await cache.WaitAsync("nobody", TimeSpan.FromHours(1), CancellationToken.None), Is.Null);
    }
}
