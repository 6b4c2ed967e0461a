using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class ModelAlertRulesTests
{
    private static readonly RegressionMetricsSummary Good = new(0.9, 1.0, 0.8);
    private static readonly RegressionMetricsSummary Worse = new(0.7, 2.0, 1.5);

    private static ModelTrainingEvent Event(ModelTrainingEventKind kind, int? version, RegressionMetricsSummary? metrics = null, RegressionMetricsSummary? previous = null, string? reason = null) =>
        new(kind, "sales", version, null, metrics, version - 1, previous, false, reason);

    private static MonitoringSnapshot Snapshot(ModelStatusTracker tracker) =>
        new(DateTimeOffset.UnixEpoch, true, null, [], [], new Dictionary<string, long>(), tracker.Models, [], []);

    [Test]
    public void TrainingFailed_FailureThenSuccess_SignalsUntilAVersionCompletes()
    {
        var tracker = new ModelStatusTracker();
        var rule = new TrainingFailedRule(new AlertRuleOptions { Severity = AlertSeverity.Critical });

        tracker.Apply(Event(ModelTrainingEventKind.Failed, null, reason: "no rows"), DateTimeOffset.UnixEpoch);
        var whileFailed = rule.Evaluate(Snapshot(tracker)).ToList();
        tracker.Apply(Event(ModelTrainingEventKind.Completed, 2, Good), DateTimeOffset.UnixEpoch);
        var afterSuccess = rule.Evaluate(Snapshot(tracker)).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(whileFailed.Select(signal => (signal.Subject, signal.Severity)), Is.EqualTo(new[] { ("sales", AlertSeverity.Critical) }));
            Assert.That(whileFailed.Single().Message, Does.Contain("no rows"));
            Assert.That(afterSuccess, Is.Empty);
        }
    }

    [Test]
    public void ModelRegression_NewVersionWorseThanCurrent_SignalsWithItsRSquared()
    {
        var tracker = new ModelStatusTracker();
        tracker.Apply(Event(ModelTrainingEventKind.Promoted, 1, Good), DateTimeOffset.UnixEpoch);
        tracker.Apply(Event(ModelTrainingEventKind.Completed, 2, Worse, Good), DateTimeOffset.UnixEpoch);

        var signals = new ModelRegressionRule(new ModelRegressionRuleOptions { RSquaredTolerance = 0.05 }).Evaluate(Snapshot(tracker)).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(signals.Select(signal => (signal.Subject, signal.Value, signal.Threshold)), Is.EqualTo(new[] { ("sales", 0.7, 0.85) }));
            Assert.That(tracker.Models.Single().CurrentVersion, Is.EqualTo(1), "a worse version that was not promoted does not become current");
        }
    }

    [Test]
    public void ModelRegression_NewVersionWithinTolerance_DoesNotSignal()
    {
        var tracker = new ModelStatusTracker();
        tracker.Apply(Event(ModelTrainingEventKind.Promoted, 2, new RegressionMetricsSummary(0.88, 1.1, 0.9), Good), DateTimeOffset.UnixEpoch);

        var signals = new ModelRegressionRule(new ModelRegressionRuleOptions { RSquaredTolerance = 0.05 }).Evaluate(Snapshot(tracker));

        Assert.That(signals, Is.Empty);
    }
}
