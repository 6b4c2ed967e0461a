using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>alerts:</c> section: the monitoring stage's alert rules. Each rule has its own subsection with
/// <c>enabled</c> and <c>severity</c> plus the figures that trip it; rules are evaluated every
/// <c>monitoring.health_check_interval_seconds</c>.
/// </summary>
/// <remarks>Rule subsections are records so two configurations with the same values compare equal.</remarks>
public sealed class AlertsOptions
{
    /// <summary>Evaluate the rules and publish alerts. <value>Default true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds before an alert that is still open is announced again; repeats inside it are dropped.
    /// <value>Default 300.</value></summary>
    public int CooldownSeconds { get; set; } = 300;

    public ConsumerLagRuleOptions ConsumerLag { get; set => field = value ?? new(); } = new();

    public DeadLetterRuleOptions DeadLetter { get; set => field = value ?? new(); } = new();

    public StageErrorRateRuleOptions StageErrorRate { get; set => field = value ?? new(); } = new();

    public AlertRuleOptions TrainingFailed { get; set => field = value ?? new(); } = new() { Severity = AlertSeverity.Critical };

    public ModelRegressionRuleOptions ModelRegression { get; set => field = value ?? new(); } = new();

    public DriftRuleOptions Drift { get; set => field = value ?? new(); } = new();

    public BrokerUnreachableRuleOptions BrokerUnreachable { get; set => field = value ?? new(); } = new();

    /// <summary>Appends to the embedded broker's log failing (disk full, read-only, failing device).</summary>
    public AlertRuleOptions BrokerStorage { get; set => field = value ?? new(); } = new() { Severity = AlertSeverity.Critical };
}

/// <summary>What every rule has: whether it runs and how loud it is.</summary>
public record AlertRuleOptions
{
    /// <value>Default true.</value>
    public bool Enabled { get; set; } = true;

    /// <value>Default warning.</value>
    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;
}

/// <summary>A consumer group's total lag above <see cref="Threshold"/> for <see cref="ForSeconds"/>.</summary>
public sealed record ConsumerLagRuleOptions : AlertRuleOptions
{
    /// <summary>Messages behind. <value>Default 1000.</value></summary>
    public long Threshold { get; set; } = 1000;

    /// <summary>How long the lag must stay above the threshold. <value>Default 60.</value></summary>
    public int ForSeconds { get; set; } = 60;
}

/// <summary>At least <see cref="Threshold"/> messages of one stage dead-lettered within <see cref="WindowSeconds"/>.</summary>
public sealed record DeadLetterRuleOptions : AlertRuleOptions
{
    /// <value>Default 1.</value>
    public int Threshold { get; set; } = 1;

    /// <value>Default 300.</value>
    public int WindowSeconds { get; set; } = 300;
}

/// <summary>A stage's failed / consumed ratio above <see cref="Threshold"/> within <see cref="WindowSeconds"/>.</summary>
public sealed record StageErrorRateRuleOptions : AlertRuleOptions
{
    /// <summary>Fraction of failed messages, 0-1. <value>Default 0.05.</value></summary>
    public double Threshold { get; set; } = 0.05;

    /// <summary>Consumed messages needed in the window before the rate counts. <value>Default 20.</value></summary>
    public int MinMessages { get; set; } = 20;

    /// <value>Default 300.</value>
    public int WindowSeconds { get; set; } = 300;
}

/// <summary>A newly trained version whose holdout R² is lower than the current one's by more than the tolerance.</summary>
public sealed record ModelRegressionRuleOptions : AlertRuleOptions
{
    /// <summary>R² drop still accepted, >= 0. <value>Default 0.</value></summary>
    public double RSquaredTolerance { get; set; }
}

/// <summary>A served feature whose population stability index against training is above <see cref="Threshold"/>.</summary>
public sealed record DriftRuleOptions : AlertRuleOptions
{
    /// <summary>PSI; 0.1-0.2 is usually read as moderate shift, above 0.2 as significant. <value>Default 0.2.</value></summary>
    public double Threshold { get; set; } = 0.2;
}

/// <summary>The broker unreachable for <see cref="ForSeconds"/>.</summary>
public sealed record BrokerUnreachableRuleOptions : AlertRuleOptions
{
    /// <value>Default 30.</value>
    public int ForSeconds { get; set; } = 30;

    public BrokerUnreachableRuleOptions() => Severity = AlertSeverity.Critical;
}
