using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Core.Serving;

/// <summary>
/// Answers one PREDICTION_REQUEST: evaluates it, publishes one PREDICTION_RESULT whose correlation id (metadata,
/// header and key) is the request's message id, and tells every <see cref="IPredictionObserver"/>. Answering the
/// same request twice (a redelivery) publishes the same answer again, which a caller's cache ignores.
/// </summary>
public sealed class PredictionRequestHandler(
    PredictionEvaluator evaluator,
    PredictionResultPublisher publisher,
    KafkaMessageFactory messageFactory,
    IEnumerable<IPredictionObserver> observers,
    TimeProvider timeProvider,
    ILogger<PredictionRequestHandler> logger)
{
    public const string Source = "serving";
    public const string ModelVersionMetadataKey = "model_version";

    private readonly IPredictionObserver[] observers = observers.ToArray();

    public async Task HandleAsync(ConsumedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = message.Envelope;
        var evaluation = request.MessageType == MessageType.PredictionRequest
            ? evaluator.Evaluate(request.Data)
            : Rejected(request);
        var result = evaluation.Result;

        var reply = messageFactory.CreateReply(request, MessageType.PredictionResult, Source, result.ToJson());
        if (result.ModelVersion is { } version)
        {
            reply.Metadata[ModelVersionMetadataKey] = JsonValue.Create(version);
        }

        await publisher.PublishAsync(reply, cancellationToken).ConfigureAwait(false);
        Notify(evaluation, timeProvider.GetUtcNow() - request.Timestamp);
    }

    private static PredictionEvaluation Rejected(KafkaMessage request) =>
        new(
            new PredictionResult(
                PredictionResult.Failed, null, request.Data[PredictionRequest.ModelField]?.ToString() ?? string.Empty, null, null,
                $"message_type is '{request.MessageType.ToWireName()}', expected '{MessageType.PredictionRequest.ToWireName()}'"),
            new Dictionary<string, object?>());

    private void Notify(PredictionEvaluation evaluation, TimeSpan latency)
    {
        if (observers.Length == 0)
        {
            return;
        }

        var result = evaluation.Result;
        var observation = new PredictionObservation(
            result.Model, result.ModelVersion, evaluation.Features, result.Prediction, result.Error, latency < TimeSpan.Zero ? TimeSpan.Zero : latency);
        foreach (var observer in observers)
        {
            try
            {
                observer.OnPrediction(observation);
            }
            catch (Exception exception)
            {
                // Monitoring must never cost a caller its answer (the result is already on its way).
                logger.LogWarning(exception, "Prediction observer {Observer} failed", observer.GetType().Name);
            }
        }
    }
}
