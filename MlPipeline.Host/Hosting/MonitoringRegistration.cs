using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Observability;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;
using MlPipeline.Core.Stages;
using MlPipeline.Core.Training;
using Prometheus;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Registers monitoring: the messaging layer's flow observer (so every stage is measured), the prediction observers
/// serving calls (volume, latency, drift), model tracking, alert rules, the Prometheus exporter and — when
/// <c>monitoring.enabled</c> — the monitoring stage.
/// </summary>
internal static class MonitoringRegistration
{
    public static IServiceCollection AddMonitoring(this IServiceCollection services, PipelineConfig config)
    {
        var monitoring = config.Monitoring;
        var alerts = config.Alerts;
        var bucket = TimeSpan.FromSeconds(monitoring.ThroughputBucketSeconds);
        var history = TimeSpan.FromSeconds(Math.Max(alerts.DeadLetter.WindowSeconds, alerts.StageErrorRate.WindowSeconds));

        services.AddMetrics();
        services.AddSingleton<PipelineMeter>();
        services.AddSingleton(new StageNames(config.Consumer.GroupId));
        services.AddSingleton(sp => new MessageFlowStatistics(sp.GetRequiredService<TimeProvider>(), bucket, history));
        services.AddSingleton<MessageFlowMetrics>();
        services.AddSingleton<IMessageFlowObserver>(sp => sp.GetRequiredService<MessageFlowMetrics>());

        services.AddSingleton(sp => new PredictionStatistics(sp.GetRequiredService<TimeProvider>(), bucket));
        services.AddSingleton<PredictionMetrics>();
        services.AddSingleton<IPredictionObserver>(sp => sp.GetRequiredService<PredictionMetrics>());
        services.AddSingleton<PredictionResultDeliveryMetrics>();
        services.AddSingleton<IPredictionResultDeliveryObserver>(sp => sp.GetRequiredService<PredictionResultDeliveryMetrics>());
        services.AddSingleton(new FeatureDriftMonitor(monitoring.DriftWindowSize, monitoring.DriftMinSamples));
        services.AddSingleton<IPredictionObserver>(sp => sp.GetRequiredService<FeatureDriftMonitor>());

        services.AddSingleton<ModelStatusTracker>();
        // The model store is registered by training or serving when this host runs them; without it drift has no baseline.
        services.AddSingleton(sp => new ModelBaselineLoader(
            sp.GetRequiredService<FeatureDriftMonitor>(),
            sp.GetRequiredService<ModelStatusTracker>(),
            sp.GetService<ModelStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ModelBaselineLoader>>()));
        services.AddSingleton<LatestMonitoringSnapshot>();
        services.AddSingleton(sp => new AlertTracker(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(alerts.CooldownSeconds)));
        AddAlertRules(services, alerts, config);
        services.AddSingleton<MonitoringSnapshotBuilder>();
        services.AddSingleton<MonitoringGauges>();
        services.AddSingleton<PrometheusExporter>();

        services.AddSingleton(new MonitoringStageOptions(
            $"{config.Consumer.GroupId}.monitoring",
            config.Topics.ModelTrainingTopic,
            config.Topics.PipelineMonitoringTopic,
            config.Topics.ModelMonitoringTopic,
            config.Topics.AlertsTopic,
            TimeSpan.FromSeconds(monitoring.HealthCheckIntervalSeconds),
            TimeSpan.FromSeconds(monitoring.MetricsIntervalSeconds)));
        services.AddSingleton<MonitoringStage>();
        if (monitoring.Enabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<MonitoringStage>());
        }

        return services;
    }

    /// <summary>One <see cref="IAlertRule"/> per enabled rule of the <c>alerts:</c> section; the stage evaluates them all.</summary>
    private static void AddAlertRules(IServiceCollection services, AlertsOptions alerts, PipelineConfig config)
    {
        void Add(AlertRuleOptions rule, Func<IServiceProvider, IAlertRule> create)
        {
            if (alerts.Enabled && rule.Enabled)
            {
                services.AddSingleton(create);
            }
        }

        Add(alerts.ConsumerLag, sp => new ConsumerLagRule(alerts.ConsumerLag, sp.GetRequiredService<StageNames>()));
        Add(alerts.DeadLetter, sp => new DeadLetterRule(alerts.DeadLetter, sp.GetRequiredService<MessageFlowStatistics>(), sp.GetRequiredService<StageNames>()));
        Add(alerts.StageErrorRate, sp => new StageErrorRateRule(alerts.StageErrorRate, sp.GetRequiredService<MessageFlowStatistics>(), sp.GetRequiredService<StageNames>()));
        Add(alerts.TrainingFailed, _ => new TrainingFailedRule(alerts.TrainingFailed));
        Add(alerts.ModelRegression, _ => new ModelRegressionRule(alerts.ModelRegression));
        Add(alerts.Drift, _ => new DriftRule(alerts.Drift));
        Add(alerts.BrokerUnreachable, _ => new BrokerUnreachableRule(alerts.BrokerUnreachable));
        // Only the embedded broker's storage can be read in process; an external cluster has its own monitoring.
        if (config.Broker.Mode == BrokerMode.Embedded)
        {
            Add(alerts.BrokerStorage, sp => new BrokerStorageRule(alerts.BrokerStorage, new EmbeddedBrokerStorageProbe(sp.GetRequiredService<KafkaEndpoint>())));
        }
    }
}

/// <summary>
/// Exports this host's <see cref="PipelineMeter"/> in Prometheus text format through prometheus-net's meter adapter
/// (which, by its design, types .NET counters as Prometheus gauges that only ever grow),
/// into a registry of its own (instrument names get the meter's prefix: <c>messages_handled</c> is exported as
/// <c>mlpipeline_messages_handled</c>): the default registry is process-wide, and several hosts in one process (tests) must not
/// see each other's figures.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private readonly IDisposable adapter;

    public PrometheusExporter(PipelineMeter meter, MonitoringGauges gauges)
    {
        // The gauges are created with the exporter so /metrics always shows them.
        _ = gauges;
        Registry = Metrics.NewCustomRegistry();
        adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            MetricFactory = Metrics.WithCustomRegistry(Registry),
            InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter, meter.Meter),
            // The adapter drops a label set not updated for this long and restarts it from zero when it comes back,
            // which would reset an idle stage's totals. Our label sets are few (stages × topics, models, features),
            // so keep them as long as the adapter allows (one day).
            MetricsExpireAfter = TimeSpan.FromDays(1),
        });
    }

    public CollectorRegistry Registry { get; }

    public void Dispose() => adapter.Dispose();
}
