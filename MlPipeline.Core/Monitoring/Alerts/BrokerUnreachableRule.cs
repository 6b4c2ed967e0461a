using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary><c>broker_unreachable</c>: the Kafka broker did not answer for the configured time.</summary>
public sealed class BrokerUnreachableRule(BrokerUnreachableRuleOptions options) : IAlertRule
{
    public string Name => "broker_unreachable";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot)
    {
        if (!snapshot.BrokerReachable)
        {
            yield return new AlertSignal(
                Name,
                "broker",
                options.Severity,
                Value: 1,
                Threshold: 0,
                $"Kafka broker unreachable: {snapshot.BrokerError}",
                TimeSpan.FromSeconds(options.ForSeconds));
        }
    }
}
