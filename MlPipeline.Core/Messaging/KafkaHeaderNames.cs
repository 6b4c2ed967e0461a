namespace MlPipeline.Core.Messaging;

/// <summary>
/// Kafka record header names. The first two duplicate envelope fields so a consumer can route without
/// parsing the body; the <c>dlq_</c> ones are added when a message is dead-lettered.
/// </summary>
public static class KafkaHeaderNames
{
    public const string MessageType = "message_type";
    public const string CorrelationId = "correlation_id";

    /// <summary>
    /// On a prediction request the HTTP API already scored and answered in-process (its value names the instance): the
    /// result is on the results topic, so the serving stage passes the request by instead of scoring it again.
    /// </summary>
    public const string AnsweredBy = "ml-answered-by";

    /// <summary>Exception type and message (or the envelope validation reason) that sent the message to dead-letter.</summary>
    public const string DeadLetterError = "dlq_error";
    public const string DeadLetterSourceTopic = "dlq_source_topic";
    public const string DeadLetterSourcePartition = "dlq_source_partition";
    public const string DeadLetterSourceOffset = "dlq_source_offset";

    /// <summary>ISO-8601 UTC time the message was dead-lettered.</summary>
    public const string DeadLetterFailedAt = "dlq_failed_at";
}
