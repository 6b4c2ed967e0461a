using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>training_failed</c>: a model's last training failed; clears when a version of it completes or is promoted.</summary>
public sealed class TrainingFailedRule(AlertRuleOptions options) : IAlertRule
{
    public string Name => "training_failed";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot) =>
        snapshot.ModelStatuses
            .Where(model => model.LastFailure is not null)
            .Select(model => new AlertSignal(
                Name,
                model.Model,
                options.Severity,
                Value: 1,
                Threshold: 0,
                $"Training of model '{model.Model}' failed: {model.LastFailure}"));
}
