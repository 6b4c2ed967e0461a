namespace MlPipeline.Core.Configuration;

/// <summary>The <c>monitoring:</c> section: how often metrics are published and Kafka health is probed, and the windows throughput and drift are computed over.</summary>
public sealed class MonitoringOptions
{
    /// <summary>Run the monitoring stage. <value>Default true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds between metric snapshots on the monitoring topic. <value>Default 60.</value></summary>
    public int MetricsIntervalSeconds { get; set; } = 60;

    /// <summary>Seconds between Kafka health checks. <value>Default 30.</value></summary>
    public int HealthCheckIntervalSeconds { get; set; } = 30;

    /// <summary>Seconds between background collections of Kafka's state (broker, topics, consumer lag) that
    /// <c>/api/status</c>, <c>/health</c>, the dashboard and the alert rules read; a lower
    /// <see cref="HealthCheckIntervalSeconds"/> shortens it. Requests never ask the broker themselves. <value>Default 5.</value></summary>
    public int StatusIntervalSeconds { get; set; } = 5;

    /// <summary>Seconds covered by each point of the throughput time series (the last 60 points are kept).
    /// <value>Default 5.</value></summary>
    public int ThroughputBucketSeconds { get; set; } = 5;

    /// <summary>Most recent served values kept per feature to compare with the training distribution.
    /// <value>Default 500.</value></summary>
    public int DriftWindowSize { get; set; } = 500;

    /// <summary>Served values a feature needs before its drift is computed (fewer give a noisy PSI).
    /// <value>Default 50.</value></summary>
    public int DriftMinSamples { get; set; } = 50;
}
