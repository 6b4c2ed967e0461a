namespace MlPipeline.Core.Configuration;

/// <summary>The <c>monitoring:</c> section: how often metrics are published and Kafka health is probed.</summary>
public sealed class MonitoringOptions
{
    /// <summary>Run the monitoring stage. <value>Default true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds between metric snapshots on the monitoring topic. <value>Default 60.</value></summary>
    public int MetricsIntervalSeconds { get; set; } = 60;

    /// <summary>Seconds between Kafka health checks. <value>Default 30.</value></summary>
    public int HealthCheckIntervalSeconds { get; set; } = 30;
}
