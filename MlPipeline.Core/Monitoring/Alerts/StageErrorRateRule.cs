using System.Globalization;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>stage_error_rate</c>: the share of a stage's consumed messages that failed within the window is above the threshold.</summary>
public sealed class StageErrorRateRule(StageErrorRateRuleOptions options, MessageFlowStatistics flow, StageNames stageNames) : IAlertRule
{
    public string Name => "stage_error_rate";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot)
    {
        var window = TimeSpan.FromSeconds(options.WindowSeconds);
        foreach (var groupId in flow.Groups)
        {
            var consumed = flow.Within(groupId, FlowCount.Consumed, window);
            if (consumed < options.MinMessages)
            {
                continue;
            }

            var rate = (double)flow.Within(groupId, FlowCount.Failed, window) / consumed;
            if (rate > options.Threshold)
            {
                yield return new AlertSignal(
                    Name,
                    groupId,
                    options.Severity,
                    Math.Round(rate, 4),
                    options.Threshold,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Stage '{stageNames.FromGroupId(groupId)}' failed {rate:P1} of {consumed} messages in the last {options.WindowSeconds} s (threshold {options.Threshold:P1})"));
            }
        }
    }
}
