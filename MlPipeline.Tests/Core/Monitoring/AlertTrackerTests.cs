using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class AlertTrackerTests
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromMinutes(5);

    private static AlertSignal Lag(double value, TimeSpan holdFor = default) =>
        new("consumer_lag", "group-a", AlertSeverity.Warning, value, 100, $"lag {value}", holdFor);

    [Test]
    public void Evaluate_ConditionHoldsShorterThanFor_DoesNotFire()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);

        var first = tracker.Evaluate([Lag(500, TimeSpan.FromSeconds(60))]);
        clock.Advance(TimeSpan.FromSeconds(59));
        var second = tracker.Evaluate([Lag(500, TimeSpan.FromSeconds(60))]);

        Assert.That(first.Concat(second), Is.Empty);
    }

    [Test]
    public void Evaluate_ConditionHoldsForItsDuration_FiresOnceWithTheFigure()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);

        tracker.Evaluate([Lag(500, TimeSpan.FromSeconds(60))]);
        clock.Advance(TimeSpan.FromSeconds(60));
        var fired = tracker.Evaluate([Lag(700, TimeSpan.FromSeconds(60))]);
        clock.Advance(TimeSpan.FromSeconds(10));
        var repeated = tracker.Evaluate([Lag(800, TimeSpan.FromSeconds(60))]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fired, Has.Count.EqualTo(1));
            Assert.That(fired[0].Status, Is.EqualTo(AlertStatus.Firing));
            Assert.That(fired[0].Value, Is.EqualTo(700));
            Assert.That(fired[0].Threshold, Is.EqualTo(100));
            Assert.That(repeated, Is.Empty, "deduplicated within the cool-down");
            Assert.That(tracker.Open.Single().Value, Is.EqualTo(800), "the open alert shows the latest figure");
        }
    }

    [Test]
    public void Evaluate_StillOpenAfterCooldown_AnnouncesAReminder()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);

        tracker.Evaluate([Lag(500)]);
        clock.Advance(Cooldown);
        var reminder = tracker.Evaluate([Lag(600)]);

        Assert.That(reminder.Select(alert => (alert.Status, alert.Notifications)), Is.EqualTo(new[] { (AlertStatus.Firing, 2) }));
    }

    [Test]
    public void Evaluate_ConditionClears_ResolvesTheSameAlert()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);

        var fired = tracker.Evaluate([Lag(500)]).Single();
        clock.Advance(TimeSpan.FromSeconds(5));
        var resolved = tracker.Evaluate([]);
        var quiet = tracker.Evaluate([]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolved.Select(alert => (alert.AlertId, alert.Status)), Is.EqualTo(new[] { (fired.AlertId, AlertStatus.Resolved) }));
            Assert.That(quiet, Is.Empty);
            Assert.That(tracker.Open, Is.Empty);
            Assert.That(tracker.Recent.Select(alert => alert.Status), Is.EqualTo(new[] { AlertStatus.Resolved, AlertStatus.Firing }));
        }
    }

    [Test]
    public void Evaluate_FiresAgainAfterResolving_StartsANewEpisode()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);

        var first = tracker.Evaluate([Lag(500)]).Single();
        tracker.Evaluate([]);
        var second = tracker.Evaluate([Lag(500)]).Single();

        Assert.That(second.AlertId, Is.Not.EqualTo(first.AlertId));
    }

    [Test]
    public void Evaluate_FigureUnreadableThisTime_KeepsTheOpenAlertWithoutResolvingOrRepeating()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);
        tracker.Evaluate([Lag(500)]);

        var unreadable = tracker.Evaluate([Lag(0) with { Indeterminate = true }]);
        var readableAgain = tracker.Evaluate([Lag(500)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unreadable, Is.Empty);
            Assert.That(readableAgain, Is.Empty, "still the same open alert, within the cool-down");
            Assert.That(tracker.Open, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Evaluate_RuleCouldNotEvaluate_KeepsItsOpenAlert()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AlertTracker(clock, Cooldown);
        tracker.Evaluate([Lag(500)]);

        var events = tracker.Evaluate([], new HashSet<string> { "consumer_lag" });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(events, Is.Empty);
            Assert.That(tracker.Open.Select(alert => alert.Rule), Is.EqualTo(new[] { "consumer_lag" }));
        }
    }
}
