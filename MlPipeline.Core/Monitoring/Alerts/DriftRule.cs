using System.Globalization;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>drift</c>: a served feature's population stability index against training above the threshold.</summary>
public sealed class DriftRule(DriftRuleOptions options) : IAlertRule
{
    public string Name => "drift";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot) =>
        snapshot.Drift
            .Where(feature => feature.Psi > options.Threshold)
            .Select(feature => new AlertSignal(
                Name,
                $"{feature.Model}/{feature.Feature}",
                options.Severity,
                feature.Psi!.Value,
                options.Threshold,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Feature '{feature.Feature}' of model '{feature.Model}' v{feature.Version} drifted: PSI {feature.Psi:0.###} over the last {feature.Samples} requests (threshold {options.Threshold})")));
}
