using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Reading;
using MlPipeline.Core.Serving;

namespace MlPipeline.Core.Stages;

/// <summary>Topics, group and client settings of the serving stage.</summary>
/// <param name="RequestsTopic">Consumed by the stage's group.</param>
/// <param name="ModelTrainingTopic">Tailed by every instance, so each one swaps on every promotion.</param>
/// <param name="GroupId">The stage's consumer group (<c>{consumer.group_id}.serving</c>).</param>
/// <param name="TailConsumer">Client settings of the model-event reader.</param>
/// <param name="RequestTimeout">Bound on the reader's metadata requests.</param>
/// <param name="Prefetch">Requests fetched ahead of the handler (<c>serving.batch_size</c>).</param>
public sealed record ServingStageOptions(
    string RequestsTopic, string ModelTrainingTopic, string GroupId, ConsumerConfig TailConsumer, TimeSpan RequestTimeout, int Prefetch);

/// <summary>
/// Serving: loads the current model versions, swaps in each promoted version, and answers every prediction request
/// on the results topic. The model-event reader starts before the store is read, so a promotion that happens while
/// loading is still seen (and a repeated one is harmless: <see cref="ServingModelRegistry.RefreshAsync"/> reads the
/// store's pointer).
/// </summary>
public sealed class ServingStage(
    ServingStageOptions options,
    TopicProvisioningService topics,
    KafkaConsumerManager consumers,
    ServingModelRegistry registry,
    PredictionRequestHandler handler,
    PredictionResultPublisher publisher,
    KafkaMessageSerializer serializer,
    ILogger<ServingStage> logger) : BackgroundService
{
    private readonly Channel<string> promotions = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await topics.WhenReadyAsync(stoppingToken);
            await using var modelEvents = await TailModelEventsAsync(stoppingToken);
            await registry.LoadAllAsync(stoppingToken);
            var swaps = SwapOnPromotionAsync(stoppingToken);

            // Handling a request takes microseconds, so fetch ahead: one thread hand-off per record would be the limit.
            logger.LogInformation("Serving {Topic} with models {Versions}", options.RequestsTopic, string.Join(", ", registry.Versions));
            await consumers.ConsumeUntilStoppedAsync(
                [options.RequestsTopic], options.GroupId, handler.HandleAsync, options.Prefetch, stoppingToken);

            // Shutting down: the subscription drained; now the results it handed over.
            await publisher.DrainAsync(CancellationToken.None);
            promotions.Writer.TryComplete();
            await swaps;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Serving stopped before it started");
        }
    }

    /// <summary>Starts the model-event reader, retrying while the broker cannot answer (a failed stage would stop the host).</summary>
    private async Task<TopicTailReader> TailModelEventsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var reader = new TopicTailReader(options.TailConsumer, options.ModelTrainingTopic, OnModelEvent, options.RequestTimeout, logger);
            try
            {
                await reader.StartAsync(cancellationToken);
                return reader;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                await reader.DisposeAsync();
                logger.LogWarning("Model event reader could not start ({Reason}); retrying", exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    // Runs on the reader's thread: only decode and queue; loading happens on the swap loop.
    private void OnModelEvent(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (!serializer.TryDeserialize(record.Message.Value, out var envelope, out _)
            || envelope.MessageType != MessageType.ModelTraining
            || ReadTrainingEvent(envelope) is not { Event: ModelTrainingEventKind.Promoted } promotion)
        {
            return;
        }

        // An event without a model name is about the model its key names.
        promotions.Writer.TryWrite(promotion.Model ?? (record.Message.Key is { } key ? Encoding.UTF8.GetString(key) : string.Empty));
    }

    // Another producer's event this version cannot read is not a promotion it could act on.
    private static ModelTrainingEvent? ReadTrainingEvent(KafkaMessage envelope)
    {
        try
        {
            return envelope.ReadData(ContractJson.ModelTraining);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task SwapOnPromotionAsync(CancellationToken cancellationToken)
    {
        await foreach (var model in promotions.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                var version = await registry.RefreshAsync(model, cancellationToken);
                logger.LogInformation("Promotion of {Model}: serving version {Version}", model, version);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The previous version keeps serving; the next promotion tries again.
                logger.LogError(exception, "Could not swap to the promoted version of {Model}", model);
            }
        }
    }
}
