using System.Globalization;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>dead_letter</c>: a stage dead-lettered at least the threshold of messages within the window.</summary>
public sealed class DeadLetterRule(DeadLetterRuleOptions options, MessageFlowStatistics flow, StageNames stageNames) : IAlertRule
{
    public string Name => "dead_letter";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot)
    {
        var window = TimeSpan.FromSeconds(options.WindowSeconds);
        foreach (var groupId in flow.Groups)
        {
            var deadLettered = flow.Within(groupId, FlowCount.DeadLettered, window);
            if (deadLettered >= options.Threshold)
            {
                yield return new AlertSignal(
                    Name,
                    groupId,
                    options.Severity,
                    deadLettered,
                    options.Threshold,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Stage '{stageNames.FromGroupId(groupId)}' dead-lettered {deadLettered} messages in the last {options.WindowSeconds} s"));
            }
        }
    }
}
