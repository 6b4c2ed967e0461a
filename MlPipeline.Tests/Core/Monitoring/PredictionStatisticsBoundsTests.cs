using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Tests.Core.Monitoring;

/// <summary>Per-model prediction figures are capped, whatever names reach them.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionStatisticsBoundsTests
{
    [Test]
    public void Record_MoreNamesThanTheCap_CountsTheRestUnderUnknown()
    {
        var statistics = new PredictionStatistics(new FakeTimeProvider(), TimeSpan.FromSeconds(10));

        for (var i = 0; i < PredictionStatistics.MaxModels * 3; i++)
            statistics.Record($"model-{i}", succeeded: true, TimeSpan.FromMilliseconds(1));
        statistics.Record("model-0", succeeded: true, TimeSpan.FromMilliseconds(1));

        var snapshot = statistics.Snapshot();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(snapshot, Has.Count.EqualTo(PredictionStatistics.MaxModels));
            Assert.That(snapshot.Single(s => s.Model == PredictionObservation.UnknownModel).Total, Is.EqualTo((PredictionStatistics.MaxModels * 2) + 1));
            Assert.That(snapshot.Single(s => s.Model == "model-0").Total, Is.EqualTo(2), "a name tracked before the cap keeps its own figures");
            Assert.That(snapshot.Sum(s => s.Total), Is.EqualTo((PredictionStatistics.MaxModels * 3) + 1), "nothing is lost");
        }
    }

    [Test]
    public void Label_UnderTheCap_IsTheModelName() =>
        Assert.That(new PredictionStatistics(new FakeTimeProvider(), TimeSpan.FromSeconds(10)).Label("sales"), Is.EqualTo("sales"));
}
