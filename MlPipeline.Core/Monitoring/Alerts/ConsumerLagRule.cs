using System.Globalization;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>consumer_lag</c>: a stage's consumer group more than the threshold behind for the configured time.</summary>
public sealed class ConsumerLagRule(ConsumerLagRuleOptions options, StageNames stageNames) : IAlertRule
{
    public string Name => "consumer_lag";

    // Lag is read from the broker: without it nothing is known about any group.
    public bool CanEvaluate(MonitoringSnapshot snapshot) => snapshot.BrokerReachable;

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot) =>
        snapshot.Lag
            .Where(group => group.Error is not null || group.TotalLag > options.Threshold)
            .Select(group => new AlertSignal(
                Name,
                group.GroupId,
                options.Severity,
                group.TotalLag,
                options.Threshold,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Stage '{stageNames.FromGroupId(group.GroupId)}' (group {group.GroupId}) is {group.TotalLag} messages behind (threshold {options.Threshold}, for {options.ForSeconds} s)"),
                TimeSpan.FromSeconds(options.ForSeconds),
                Indeterminate: group.Error is not null));
}
