using System.Diagnostics;
using System.Diagnostics.Metrics;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// The meter's observable gauges: consumer lag (from the last collected snapshot, since reading it costs broker round
/// trips), current model version and metrics, drift per feature, and open alerts. Read at each scrape.
/// </summary>
public sealed class MonitoringGauges
{
    public MonitoringGauges(PipelineMeter meter, LatestMonitoringSnapshot latest, ModelStatusTracker models, FeatureDriftMonitor drift, AlertTracker alerts)
    {
        var m = meter.Meter;
        m.CreateObservableGauge(
            "consumer_lag",
            () => (latest.Value?.Lag ?? []).SelectMany(group => group.Partitions.Select(partition => new Measurement<long>(
                partition.Lag,
                new TagList { { "group", group.GroupId }, { "topic", partition.Topic }, { "partition", partition.Partition } }))),
            description: "Messages a consumer group has yet to handle, per partition (high watermark minus committed offset, or minus where the group starts when it has not committed there).");
        m.CreateObservableGauge(
            "model_version",
            () => models.Models.Where(model => model.CurrentVersion is not null)
                .Select(model => new Measurement<int>(model.CurrentVersion!.Value, new KeyValuePair<string, object?>("model", model.Model))),
            description: "Current (promoted) version per model name.");
        m.CreateObservableGauge(
            "model_r_squared",
            () => models.Models.Where(model => model.CurrentMetrics is not null)
                .Select(model => new Measurement<double>(model.CurrentMetrics!.RSquared, new KeyValuePair<string, object?>("model", model.Model))),
            description: "Holdout R-squared of the current version.");
        m.CreateObservableGauge(
            "model_rmse",
            () => models.Models.Where(model => model.CurrentMetrics is not null)
                .Select(model => new Measurement<double>(model.CurrentMetrics!.RootMeanSquaredError, new KeyValuePair<string, object?>("model", model.Model))),
            description: "Holdout root mean squared error of the current version.");
        m.CreateObservableGauge(
            "feature_drift_psi",
            () => drift.Snapshot().Where(feature => feature.Psi is not null)
                .Select(feature => new Measurement<double>(feature.Psi!.Value, new TagList { { "model", feature.Model }, { "feature", feature.Feature } })),
            description: "Population stability index of served values against training, per feature.");
        m.CreateObservableGauge(
            "alerts_open",
            () => alerts.Open.GroupBy(alert => alert.Rule)
                .Select(group => new Measurement<int>(group.Count(), new KeyValuePair<string, object?>("rule", group.Key))),
            description: "Alerts firing now, per rule.");
    }
}
