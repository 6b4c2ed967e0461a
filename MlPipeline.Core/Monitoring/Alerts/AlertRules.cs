using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>The enabled rules of an <c>alerts:</c> section.</summary>
public static class AlertRules
{
    public static IReadOnlyList<IAlertRule> FromOptions(AlertsOptions options, MessageFlowStatistics flow, StageNames stageNames)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rules = new List<IAlertRule>();
        if (!options.Enabled)
        {
            return rules;
        }

        if (options.ConsumerLag.Enabled)
        {
            rules.Add(new ConsumerLagRule(options.ConsumerLag, stageNames));
        }

        if (options.DeadLetter.Enabled)
        {
            rules.Add(new DeadLetterRule(options.DeadLetter, flow, stageNames));
        }

        if (options.StageErrorRate.Enabled)
        {
            rules.Add(new StageErrorRateRule(options.StageErrorRate, flow, stageNames));
        }

        if (options.TrainingFailed.Enabled)
        {
            rules.Add(new TrainingFailedRule(options.TrainingFailed));
        }

        if (options.ModelRegression.Enabled)
        {
            rules.Add(new ModelRegressionRule(options.ModelRegression));
        }

        if (options.Drift.Enabled)
        {
            rules.Add(new DriftRule(options.Drift));
        }

        if (options.BrokerUnreachable.Enabled)
        {
            rules.Add(new BrokerUnreachableRule(options.BrokerUnreachable));
        }

        return rules;
    }
}
