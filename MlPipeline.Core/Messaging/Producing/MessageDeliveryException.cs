using Confluent.Kafka;

namespace MlPipeline.Core.Messaging.Producing;

/// <summary>A message the broker did not acknowledge. Thrown instead of ever returning a silent "false".</summary>
public sealed class MessageDeliveryException : Exception
{
    public MessageDeliveryException(string topic, string? key, ErrorCode errorCode, string reason, Exception? innerException = null)
        : base($"Delivery to topic '{topic}' (key '{key ?? "<null>"}') failed: {errorCode}: {reason}", innerException)
    {
        Topic = topic;
        Key = key;
        ErrorCode = errorCode;
        Reason = reason;
    }

    public string Topic { get; }

    public string? Key { get; }

    public ErrorCode ErrorCode { get; }

    /// <summary>The client's or broker's own explanation, e.g. "Broker: Message size too large".</summary>
    public string Reason { get; }
}
