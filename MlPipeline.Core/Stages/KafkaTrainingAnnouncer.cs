using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
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
        var message = messages.Create(MessageType.ModelTraining, Source, trainingEvent, ContractJson.ModelTraining, metadata);
        return producer.SendAsync(config.Topics.ModelTrainingTopic, message, trainingEvent.Model, cancellationToken);
    }

    public Task PublishEvaluationAsync(ModelMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var report = metadata.Training;
        // A classifier has no regression metrics: metrics is null and classification_metrics says how good it is.
        var evaluation = new ModelEvaluationReport(
            metadata.Name, metadata.Version, report.DatasetId, report.TrainerName(), report.Task, report.Metrics, report.ClassificationMetrics,
            report.TrainRowCount, report.HoldoutRowCount);
        var message = messages.Create(
            MessageType.ModelEvaluation, Source, evaluation, ContractJson.ModelEvaluation, new EnvelopeMetadata { DatasetId = report.DatasetId });
        return producer.SendAsync(config.Topics.ModelEvaluationTopic, message, metadata.Name, cancellationToken);
    }
}
