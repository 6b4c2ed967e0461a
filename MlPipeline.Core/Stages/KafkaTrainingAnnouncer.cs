using System.Text.Json.Nodes;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Stages;

/// <summary>Announces training on <c>model_training</c> and metrics on <c>model_evaluation</c>, both keyed by model name.</summary>
public sealed class KafkaTrainingAnnouncer(KafkaProducerManager producer, KafkaMessageFactory messages, PipelineConfig config) : ITrainingAnnouncer
{
    public const string Source = "training";

    public Task AnnounceAsync(ModelTrainingEvent trainingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trainingEvent);
        var metadata = new EnvelopeMetadata { DatasetId = trainingEvent.DatasetId };
        var message = messages.Create(MessageType.ModelTraining, Source, DatasetPayloadJson.ToData(trainingEvent), metadata);
        return producer.SendAsync(config.Topics.ModelTrainingTopic, message, trainingEvent.Model, cancellationToken);
    }

    public Task PublishEvaluationAsync(ModelMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var report = metadata.Training;
        var data = new JsonObject
        {
            ["model"] = metadata.Name,
            ["version"] = metadata.Version,
            ["dataset_id"] = report.DatasetId,
            ["trainer"] = report.TrainerName(),
            ["task"] = report.Task.ToString(),
            // A classifier has no regression metrics: metrics is null and classification_metrics says how good it is.
            ["metrics"] = report.Metrics is { } metrics ? DatasetPayloadJson.ToData(metrics) : null,
            ["classification_metrics"] = report.ClassificationMetrics is { } classification ? DatasetPayloadJson.ToData(classification) : null,
            ["train_row_count"] = report.TrainRowCount,
            ["holdout_row_count"] = report.HoldoutRowCount,
        };
        var message = messages.Create(MessageType.ModelEvaluation, Source, data, new EnvelopeMetadata { DatasetId = report.DatasetId });
        return producer.SendAsync(config.Topics.ModelEvaluationTopic, message, metadata.Name, cancellationToken);
    }
}
