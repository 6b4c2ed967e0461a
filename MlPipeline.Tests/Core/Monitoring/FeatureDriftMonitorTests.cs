using System.Globalization;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Training;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class FeatureDriftMonitorTests
{
    private const double Threshold = 0.2;

    // One small model for the fixture: its training statistics are the baseline.
    private static readonly Lazy<TrainedModel> Model = new(() => TrainedModels.TrainSynthetic(SyntheticRegressionData.Generate(400, seed: 11)));

    [Test]
    public void Psi_RequestsFromTheTrainingDistribution_StaysBelowThresholdAndRaisesNoAlert()
    {
        var drift = MonitorWithBaseline();

        Observe(drift, SyntheticRegressionData.Generate(300, seed: 99));

        var features = drift.Snapshot();
        using (Assert.EnterMultipleScope())
        {
            // Engineered date parts are not request columns, so only the served columns are measured.
            Assert.That(features.Where(feature => feature.Samples > 0).Select(feature => feature.Feature),
                Is.EquivalentTo(new[] { "x1", "x2", "category" }));
            Assert.That(features.Where(feature => feature.Samples > 0).Select(feature => feature.Psi), Is.All.Not.Null.And.All.LessThan(Threshold));
            Assert.That(
                new AlertTracker(TimeProvider.System, TimeSpan.FromMinutes(5))
                    .Evaluate(new DriftRule(new DriftRuleOptions { Threshold = Threshold }).Evaluate(Snapshot(features))),
                Is.Empty,
                "no drift alert");
        }
    }

    [Test]
    public void Psi_RequestsFromAShiftedDistribution_RisesAboveThresholdAndRaisesDriftAlert()
    {
        var drift = MonitorWithBaseline();

        // x1 moved up by half its range and every request is category C.
        Observe(drift, SyntheticRegressionData.Generate(300, seed: 99), row => row with
        {
            X1 = row.X1 + 5,
            Category = "C",
        });

        var psi = drift.Snapshot().ToDictionary(feature => feature.Feature, feature => feature.Psi);
        var signals = new DriftRule(new DriftRuleOptions { Threshold = Threshold }).Evaluate(Snapshot(drift.Snapshot())).ToList();
        var fired = new AlertTracker(TimeProvider.System, TimeSpan.FromMinutes(5)).Evaluate(signals);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(psi["x1"], Is.GreaterThan(Threshold));
            Assert.That(psi["category"], Is.GreaterThan(Threshold));
            Assert.That(psi["x2"], Is.LessThan(Threshold), "an unshifted feature stays quiet");
            Assert.That(signals.Select(signal => signal.Subject), Is.EquivalentTo(new[] { "synthetic/x1", "synthetic/category" }));
            Assert.That(signals.Select(signal => signal.Value), Is.All.GreaterThan(Threshold));
            Assert.That(fired.Select(alert => (alert.Rule, alert.Status)), Is.EqualTo(new[] { ("drift", AlertStatus.Firing), ("drift", AlertStatus.Firing) }));
        }
    }

    [Test]
    public void Snapshot_FewerRequestsThanMinimum_ReportsNoPsi()
    {
        var drift = MonitorWithBaseline();

        Observe(drift, SyntheticRegressionData.Generate(10, seed: 99));

        Assert.That(drift.Snapshot().Select(feature => feature.Psi), Is.All.Null);
    }

    private static FeatureDriftMonitor MonitorWithBaseline()
    {
        var drift = new FeatureDriftMonitor(windowSize: 200, minSamples: 50);
        drift.SetBaseline("synthetic", 1, Model.Value.Report);
        return drift;
    }

    private sealed record Request(double X1, double X2, string Category);

    private static void Observe(FeatureDriftMonitor drift, SyntheticRegressionData data, Func<Request, Request>? shift = null)
    {
        foreach (var raw in data.RawRows)
        {
            var request = new Request(
                double.Parse(raw["x1"], CultureInfo.InvariantCulture), double.Parse(raw["x2"], CultureInfo.InvariantCulture), raw["category"]);
            request = shift?.Invoke(request) ?? request;
            drift.OnPrediction(new PredictionObservation(
                "synthetic",
                1,
                new Dictionary<string, object?> { ["x1"] = request.X1, ["x2"] = request.X2, ["category"] = request.Category, ["when"] = raw["when"] },
                Prediction: 1,
                Error: null,
                TimeSpan.FromMilliseconds(2)));
        }
    }

    private static MonitoringSnapshot Snapshot(IReadOnlyList<FeatureDrift> drift) =>
        new(DateTimeOffset.UnixEpoch, true, null, [], [], new Dictionary<string, long>(), [], drift, []);
}
