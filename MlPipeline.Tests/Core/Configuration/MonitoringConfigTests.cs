using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>The monitoring keys for throughput and drift windows, and the <c>alerts:</c> rule sections.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class MonitoringConfigTests
{
    private static IEnumerable<TestCaseData> InvalidValues()
    {
        yield return new TestCaseData("monitoring:\n  throughput_bucket_seconds: 0", "monitoring.throughput_bucket_seconds = '0' must be between 1 and 3600");
        yield return new TestCaseData("monitoring:\n  drift_window_size: 5", "monitoring.drift_window_size = '5' must be between 10 and 1000000");
        yield return new TestCaseData("monitoring:\n  drift_window_size: 100\n  drift_min_samples: 101", "monitoring.drift_min_samples = '101' must be between 1 and 100");
        yield return new TestCaseData("alerts:\n  cooldown_seconds: -1", "alerts.cooldown_seconds = '-1' must be between 0 and 86400");
        yield return new TestCaseData("alerts:\n  consumer_lag:\n    threshold: -1", "alerts.consumer_lag.threshold = '-1' must be at least 0");
        yield return new TestCaseData("alerts:\n  consumer_lag:\n    severity: loud", "alerts.consumer_lag.severity = 'loud' is not one of info, warning, critical");
        yield return new TestCaseData("alerts:\n  dead_letter:\n    window_seconds: 0", "alerts.dead_letter.window_seconds = '0' must be between 1 and 86400");
        yield return new TestCaseData("alerts:\n  stage_error_rate:\n    threshold: 1.5", "alerts.stage_error_rate.threshold = '1.5' must be a number between 0 and 1");
        yield return new TestCaseData("alerts:\n  drift:\n    threshold: -0.1", "alerts.drift.threshold = '-0.1' must be a number of at least 0");
        yield return new TestCaseData("alerts:\n  drift:\n    treshold: 0.3", "alerts.drift.treshold is not a known key");
        yield return new TestCaseData("alerts:\n  broker_unreachable:\n    for_seconds: 100000", "alerts.broker_unreachable.for_seconds = '100000' must be between 0 and 86400");
    }

    [TestCaseSource(nameof(InvalidValues))]
    public void Load_InvalidMonitoringOrAlertValue_FailsNamingTheKey(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();

        var error = Assert.Throws<ConfigurationException>(() => directory.Load(yaml + "\n"));

        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void Load_AlertRuleSubsections_BindEveryRuleAndKeepOtherDefaults()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("""
            alerts:
              cooldown_seconds: 60
              consumer_lag:
                threshold: 50
                for_seconds: 5
                severity: critical
              training_failed:
                enabled: false
              drift:
                threshold: 0.3
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Alerts.CooldownSeconds, Is.EqualTo(60));
            Assert.That(config.Alerts.ConsumerLag, Is.EqualTo(new ConsumerLagRuleOptions { Threshold = 50, ForSeconds = 5, Severity = AlertSeverity.Critical }));
            Assert.That(config.Alerts.TrainingFailed.Enabled, Is.False);
            Assert.That(config.Alerts.Drift.Threshold, Is.EqualTo(0.3));
            Assert.That(config.Alerts.BrokerUnreachable, Is.EqualTo(new BrokerUnreachableRuleOptions()), "untouched rules keep their defaults");
        }
    }
}
