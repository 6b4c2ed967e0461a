using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>A rule's condition holding right now for one subject (a stage, a model, a feature, the broker).</summary>
/// <param name="Value">The figure that tripped the rule.</param>
/// <param name="Threshold">The limit it crossed.</param>
/// <param name="For">How long the condition must hold before the alert fires.</param>
/// <param name="Indeterminate">
/// The figure could not be read this time (e.g. a group's offsets timed out): the subject's alert neither fires nor
/// resolves, it stays as it was. Without this, one failed read would resolve an open alert and re-fire it next time.
/// </param>
public sealed record AlertSignal(
    string Rule,
    string Subject,
    AlertSeverity Severity,
    double Value,
    double Threshold,
    string Message,
    TimeSpan For = default,
    bool Indeterminate = false);

/// <summary>One alert rule: looks at a snapshot and returns the subjects for which its condition holds.</summary>
public interface IAlertRule
{
    /// <summary>The rule's name as in the configuration (e.g. <c>consumer_lag</c>).</summary>
    string Name { get; }

    /// <summary>
    /// False when the snapshot lacks what the rule looks at (e.g. lag while the broker is unreachable): its open alerts
    /// are then kept as they are instead of being resolved.
    /// </summary>
    bool CanEvaluate(MonitoringSnapshot snapshot) => true;

    IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot);
}
