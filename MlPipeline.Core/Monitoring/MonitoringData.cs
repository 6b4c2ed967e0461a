using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Monitoring;

/// <summary>The <c>data</c> of a MONITORING envelope on <c>pipeline_monitoring</c>.</summary>
public sealed record PipelineMonitoringData(
    DateTimeOffset At,
    bool BrokerReachable,
    IReadOnlyList<StageSnapshot> Stages,
    IReadOnlyList<ConsumerGroupLag> Lag,
    IReadOnlyDictionary<string, long> Produced,
    int OpenAlerts);

/// <summary>The <c>data</c> of a MONITORING envelope on <c>model_monitoring</c> (key = model name).</summary>
public sealed record ModelMonitoringData(DateTimeOffset At, ModelSnapshot Model, IReadOnlyList<FeatureDrift> Drift, PredictionSnapshot? Predictions);
