using System.Globalization;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>
/// <c>model_regression</c>: the latest trained version's holdout R² is below that of the version that was current by more
/// than the tolerance. Clears when a later version is not worse.
/// </summary>
public sealed class ModelRegressionRule(ModelRegressionRuleOptions options) : IAlertRule
{
    public string Name => "model_regression";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot)
    {
        foreach (var model in snapshot.ModelStatuses)
        {
            if (model.LatestCandidate is not { } candidate)
            {
                continue;
            }

            var drop = candidate.PreviousMetrics.RSquared - candidate.Metrics.RSquared;
            if (drop > options.RSquaredTolerance)
            {
                yield return new AlertSignal(
                    Name,
                    model.Model,
                    options.Severity,
                    Math.Round(candidate.Metrics.RSquared, 4),
                    Math.Round(candidate.PreviousMetrics.RSquared - options.RSquaredTolerance, 4),
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"New version {candidate.Version} of model '{model.Model}' is worse than version {candidate.PreviousVersion}: R² {candidate.Metrics.RSquared:0.####} vs {candidate.PreviousMetrics.RSquared:0.####}"));
            }
        }
    }
}
