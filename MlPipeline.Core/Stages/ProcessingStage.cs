using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Processing;

namespace MlPipeline.Core.Stages;

/// <summary>
/// raw_data → processed_data. Each chunk is validated, cleaned and engineered with the schema it carries; good
/// rows go on (key = dataset id), each refused row goes to dead-letter with its reason in <c>dlq_error</c> AND is
/// forwarded as a rejection notice, so training can tell when a dataset is complete. A bad row never stops the stage.
/// Dead-letters are sent before the processed chunk and both before the offset is stored; a redelivery may repeat
/// a dead-letter record (at-least-once), while training deduplicates rows and rejections by row number.
/// </summary>
public sealed class ProcessingStage(
    KafkaConsumerManager consumers,
    KafkaProducerManager producer,
    KafkaMessageFactory messages,
    KafkaMessageSerializer serializer,
    RawChunkProcessor chunks,
    TopicProvisioningService topics,
    PipelineConfig config,
    ILogger<ProcessingStage> logger) : BackgroundService
{
    public const string Source = "processing";

    /// <summary>Header naming the dataset of a dead-lettered row.</summary>
    public const string DatasetIdHeader = "dataset_id";

    /// <summary>Header with the CSV row number of a dead-lettered row.</summary>
    public const string RowNumberHeader = "row_number";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await topics.WhenReadyAsync(stoppingToken);
            await consumers.ConsumeUntilStoppedAsync(
                [config.Topics.RawDataTopic], $"{config.Consumer.GroupId}.processing", HandleAsync, prefetch: 1, stoppingToken);
            logger.LogInformation("Processing stage stopped");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Processing stage stopped before it subscribed");
        }
    }

    private async Task HandleAsync(ConsumedMessage message, CancellationToken cancellationToken)
    {
        var raw = message.Envelope.ReadData(ContractJson.RawData);
        switch (raw.Kind)
        {
            case DatasetMessageKinds.Rows:
                var result = chunks.Process(raw);
                await Task.WhenAll(result.Rejected.Select(rejected => DeadLetterAsync(message, raw, rejected.Row, rejected.Reason, cancellationToken)));
                await ForwardAsync(
                    message,
                    new ProcessedDataPayload(DatasetMessageKinds.Rows, raw.DatasetId, raw.Model, raw.Schema, result.Accepted,
                        result.Rejected.Select(r => new RowRejection(r.Row.RowNumber, r.Reason)).ToList()),
                    cancellationToken);
                break;
            case DatasetMessageKinds.DatasetEnd:
                await ForwardAsync(
                    message,
                    new ProcessedDataPayload(DatasetMessageKinds.DatasetEnd, raw.DatasetId, raw.Model, raw.Schema, RowCount: raw.RowCount),
                    cancellationToken);
                break;
            case DatasetMessageKinds.DatasetStart:
                // Nothing to forward: every later message carries the schema itself.
                break;
            default:
                throw new InvalidOperationException($"Unknown raw_data kind '{raw.Kind}'.");
        }
    }

    private Task ForwardAsync(ConsumedMessage source, ProcessedDataPayload payload, CancellationToken cancellationToken)
    {
        var processed = messages.CreateReply(source.Envelope, MessageType.ProcessedData, Source, payload, ContractJson.ProcessedData);
        return producer.SendAsync(config.Topics.ProcessedDataTopic, processed, payload.DatasetId, cancellationToken);
    }

    private async Task DeadLetterAsync(ConsumedMessage source, RawDataPayload raw, RawRow row, string reason, CancellationToken cancellationToken)
    {
        var payload = new RejectedRowPayload(DatasetMessageKinds.RejectedRow, raw.DatasetId, row.RowNumber, row.Values, reason);
        var envelope = messages.CreateReply(source.Envelope, MessageType.RawData, Source, payload, ContractJson.RejectedRow);
        var headers = new Headers
        {
            { KafkaHeaderNames.MessageType, Encoding.UTF8.GetBytes(MessageType.RawData.ToWireName()) },
            { DatasetIdHeader, Encoding.UTF8.GetBytes(raw.DatasetId) },
            { RowNumberHeader, Encoding.UTF8.GetBytes(row.RowNumber.ToString(CultureInfo.InvariantCulture)) },
        };
        var letter = new DeadLetter(
            source.TopicPartitionOffset, reason, Encoding.UTF8.GetBytes(raw.DatasetId), serializer.Serialize(envelope), headers);
        await consumers.DeadLetters.PublishAsync(letter, cancellationToken);
    }
}
