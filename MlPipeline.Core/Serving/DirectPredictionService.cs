using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Serving;

/// <param name="Enabled">False keeps every HTTP prediction on the Kafka round trip (<c>serving.direct</c>).</param>
/// <param name="RequestsTopic">Where answered requests are recorded.</param>
/// <param name="MaxRequestsInFlight">Answered requests on their way to Kafka at once before answering waits (<c>serving.batch_size</c>).</param>
/// <param name="InstanceName">The value of the <see cref="KafkaHeaderNames.AnsweredBy"/> header.</param>
public sealed record DirectPredictionOptions(bool Enabled, string RequestsTopic, int MaxRequestsInFlight, string InstanceName);

/// <summary>Why the door refused a request before anything was published.</summary>
public enum PredictionRefusalKind
{
    /// <summary>No version of the model exists anywhere this node can see.</summary>
    UnknownModel,

    /// <summary>The features do not fit the model (<see cref="PredictionInputValidator"/>).</summary>
    InvalidInput,
}

public sealed record PredictionRefusal(PredictionRefusalKind Kind, string Field, string Reason);

/// <summary>A request answered in-process: the id its request and result carry on the topics, and the result.</summary>
public sealed record DirectAnswer(string MessageId, PredictionResult Result);

/// <summary>
/// The HTTP API's fast lane. It checks requests at the door against the model this node serves, and answers callers
/// who wait by scoring in-process with the serving stage's own <see cref="PredictionEvaluator"/> instead of a round
/// trip through two topics. What an answer leaves behind is what the Kafka path leaves: the request on the requests
/// topic (marked <see cref="KafkaHeaderNames.AnsweredBy"/> so no serving stage scores it again), the result on the
/// results topic with the request's id as correlation id (published by <see cref="PredictionRequestHandler"/>, which
/// also tells monitoring), and the result in this instance's <see cref="PredictionResultCache"/> for GET. Both
/// publications are handed to the producer without waiting for acknowledgements; at most
/// <see cref="DirectPredictionOptions.MaxRequestsInFlight"/> requests are unacknowledged at once.
/// </summary>
public sealed class DirectPredictionService(
    DirectPredictionOptions options,
    ServingModelRegistry registry,
    ModelStore store,
    PredictionEvaluator evaluator,
    PredictionRequestHandler answers,
    PredictionResultCache cache,
    KafkaProducerManager producer,
    KafkaMessageFactory messageFactory,
    ILogger<DirectPredictionService> logger)
{
    private const string Source = "api";

    private readonly SemaphoreSlim requestSlots = new(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
    private readonly KeyValuePair<string, string>[] answeredHeader = [new(KafkaHeaderNames.AnsweredBy, options.InstanceName)];

    /// <summary>
    /// The door: null when the request may go on (this node serves the model and the features fit it, or this node
    /// cannot judge because it does not serve the model yet); otherwise why it is refused.
    /// </summary>
    public async ValueTask<PredictionRefusal?> CheckAsync(PredictionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A name no model can have is the caller's mistake (400), not an unknown model; the store would refuse to look.
        if (!ResourceNames.IsValidModelName(request.Model))
        {
            return new PredictionRefusal(
                PredictionRefusalKind.InvalidInput, PredictionRequest.ModelField, $"'{request.Model}' is not a valid model name: {ResourceNames.Rule}");
        }

        if (registry.TryLease(request.Model, out var lease))
        {
            using (lease)
            {
                return PredictionInputValidator.Check(request, lease.Scorer) is { } problem
                    ? new PredictionRefusal(PredictionRefusalKind.InvalidInput, problem.Field, problem.Reason)
                    : null;
            }
        }

        // Not loaded here: unknown only when the store has never promoted a version (a model being loaded is not).
        return await store.GetCurrentAsync(request.Model, cancellationToken).ConfigureAwait(false) is null
            ? new PredictionRefusal(
                PredictionRefusalKind.UnknownModel, PredictionRequest.ModelField, $"no version of model '{request.Model}' has been promoted yet")
            : null;
    }

    /// <summary>True when requests for <paramref name="model"/> can be answered here rather than through Kafka.</summary>
    public bool CanAnswer(string model) => options.Enabled && registry.IsServed(model);

    /// <summary>Scores <paramref name="body"/> (a body <see cref="PredictionRequest.TryParse"/> accepted) here and records it on the topics.</summary>
    public async Task<DirectAnswer> AnswerAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var request = PredictionRequestMessages.Create(messageFactory, body, Source);
        var evaluation = evaluator.Evaluate(request.Data);

        // In the cache before anything is published: GET answers at once, and the results reader ignores the copy on Kafka.
        cache.Register(request.MessageId);
        cache.TryComplete(request.MessageId, evaluation.Result);
        await PublishRequestAsync(request, cancellationToken).ConfigureAwait(false);
        await answers.AnswerAsync(request, evaluation, cancellationToken).ConfigureAwait(false);
        return new DirectAnswer(request.MessageId, evaluation.Result);
    }

    private async Task PublishRequestAsync(KafkaMessage request, CancellationToken cancellationToken)
    {
        await requestSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task send;
        try
        {
            // Not the caller's token: once answered, the request is recorded even if the caller hangs up.
            send = producer.SendAsync(options.RequestsTopic, request, request.MessageId, answeredHeader, CancellationToken.None);
        }
        catch
        {
            requestSlots.Release();
            throw;
        }

        _ = RecordDeliveryAsync(send, request.MessageId);
    }

    private async Task RecordDeliveryAsync(Task send, string requestId)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The caller has its answer and the result goes to the results topic on its own; only the request's copy
            // on the requests topic is missing, which is worth a warning, not a failed call.
            logger.LogWarning("Answered request {RequestId} could not be recorded on {Topic}: {Reason}", requestId, options.RequestsTopic, exception.Message);
        }
        finally
        {
            requestSlots.Release();
        }
    }
}
