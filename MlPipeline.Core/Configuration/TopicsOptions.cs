using YamlDotNet.Serialization;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>topics:</c> section: the name of every pipeline topic (see the data flow in ARCHITECTURE.md).
/// </summary>
/// <remarks>
/// The dead-letter topic is NOT a key of this section: the original guide kept it as
/// <c>error_handling.dead_letter_topic</c>, and two keys for one name could disagree. That key stays the single
/// source; <see cref="DeadLetterTopic"/> reads it through (linked by <see cref="PipelineConfig"/>) so code that only
/// needs topic names depends on this section alone. Writing <c>topics.dead_letter_topic</c> is an unknown-key error.
/// </remarks>
public sealed class TopicsOptions
{
    /// <summary>RAW_DATA messages from ingestion, one per CSV row. <value>Default <c>ml-pipeline-raw-data</c>.</value></summary>
    public string RawDataTopic { get; set; } = "ml-pipeline-raw-data";

    /// <summary>Cleaned, feature-engineered rows from processing. <value>Default <c>ml-pipeline-processed-data</c>.</value></summary>
    public string ProcessedDataTopic { get; set; } = "ml-pipeline-processed-data";

    /// <summary>MODEL_TRAINING events: a new model version is available. <value>Default <c>ml-pipeline-model-training</c>.</value></summary>
    public string ModelTrainingTopic { get; set; } = "ml-pipeline-model-training";

    /// <summary>Evaluation metrics of trained models. <value>Default <c>ml-pipeline-model-evaluation</c>.</value></summary>
    public string ModelEvaluationTopic { get; set; } = "ml-pipeline-model-evaluation";

    /// <summary>Prediction requests (HTTP and Kafka callers). <value>Default <c>ml-pipeline-prediction-requests</c>.</value></summary>
    public string PredictionRequestsTopic { get; set; } = "ml-pipeline-prediction-requests";

    /// <summary>Prediction results, correlated by request message id. <value>Default <c>ml-pipeline-prediction-results</c>.</value></summary>
    public string PredictionResultsTopic { get; set; } = "ml-pipeline-prediction-results";

    /// <summary>Pipeline throughput/latency/error snapshots. <value>Default <c>ml-pipeline-monitoring</c>.</value></summary>
    public string PipelineMonitoringTopic { get; set; } = "ml-pipeline-monitoring";

    /// <summary>Model quality and drift snapshots. <value>Default <c>ml-pipeline-model-monitoring</c>.</value></summary>
    public string ModelMonitoringTopic { get; set; } = "ml-pipeline-model-monitoring";

    /// <summary>Alerts raised by monitoring rules. <value>Default <c>ml-pipeline-alerts</c>.</value></summary>
    public string AlertsTopic { get; set; } = "ml-pipeline-alerts";

    /// <summary>Messages that failed after retries. Derived from <c>error_handling.dead_letter_topic</c>; not a YAML key here.
    /// <value>Default <c>ml-pipeline-dead-letter</c>.</value></summary>
    [YamlIgnore]
    public string DeadLetterTopic => ErrorHandlingSource?.DeadLetterTopic ?? ErrorHandlingOptions.DefaultDeadLetterTopic;

    /// <summary>The section that owns the dead-letter name; linked by <see cref="PipelineConfig"/>.</summary>
    internal ErrorHandlingOptions? ErrorHandlingSource { get; set; }

    /// <summary>Every pipeline topic with the YAML key path that names it, dead-letter last. Topic admin creates these;
    /// the validator checks them for duplicates.</summary>
    [YamlIgnore]
    public IReadOnlyList<ConfiguredTopic> All =>
    [
        new("topics.raw_data_topic", RawDataTopic),
        new("topics.processed_data_topic", ProcessedDataTopic),
        new("topics.model_training_topic", ModelTrainingTopic),
        new("topics.model_evaluation_topic", ModelEvaluationTopic),
        new("topics.prediction_requests_topic", PredictionRequestsTopic),
        new("topics.prediction_results_topic", PredictionResultsTopic),
        new("topics.pipeline_monitoring_topic", PipelineMonitoringTopic),
        new("topics.model_monitoring_topic", ModelMonitoringTopic),
        new("topics.alerts_topic", AlertsTopic),
        new("error_handling.dead_letter_topic", DeadLetterTopic),
    ];
}

/// <summary>A topic name together with the configuration key it came from (for error messages).</summary>
public sealed record ConfiguredTopic(string KeyPath, string Name);
