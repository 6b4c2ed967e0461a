namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>A rule's condition holding right now for one subject (a stage, a model, a feature, the broker).</summary>
/// <param name="Value">The figure that tripped the rule.</param>
/// <param name="Threshold">The limit it crossed.</param>
/// <param name="For">How long the condition must hold before the alert fires.</param>
public sealed record AlertSignal(
    string Rule,
    string Subject,
    AlertSeverity Severity,
    double Value,
    double Threshold,
    string Message,
    TimeSpan For = default);

/// <summary>One alert rule: looks at a snapshot and returns the subjects for which its condition holds.</summary>
public interface IAlertRule
{
    /// <summary>The rule's name as in the configuration (e.g. <c>consumer_lag</c>).</summary>
    string Name { get; }

    IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot);
}
