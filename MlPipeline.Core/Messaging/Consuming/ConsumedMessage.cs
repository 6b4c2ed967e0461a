using System.Text;
using Confluent.Kafka;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>A record handed to a handler: the parsed envelope plus everything Kafka said about it.</summary>
public sealed class ConsumedMessage
{
    internal ConsumedMessage(ConsumeResult<byte[]?, byte[]?> record, KafkaMessage envelope)
    {
        Envelope = envelope;
        KeyBytes = record.Message.Key;
        Value = record.Message.Value ?? [];
        Headers = record.Message.Headers ?? [];
        TopicPartitionOffset = record.TopicPartitionOffset;
        Timestamp = record.Message.Timestamp;
    }

    public KafkaMessage Envelope { get; }

    /// <summary>The key exactly as stored (null when the record had none).</summary>
    public byte[]? KeyBytes { get; }

    /// <summary>The key as UTF-8 text, which is how every pipeline topic keys its records.</summary>
    public string? Key => KeyBytes is null ? null : Encoding.UTF8.GetString(KeyBytes);

    /// <summary>The raw value the envelope was parsed from.</summary>
    public byte[] Value { get; }

    public Headers Headers { get; }

    public TopicPartitionOffset TopicPartitionOffset { get; }

    public string Topic => TopicPartitionOffset.Topic;

    public Partition Partition => TopicPartitionOffset.Partition;

    public Offset Offset => TopicPartitionOffset.Offset;

    /// <summary>The Kafka record timestamp (not the envelope's).</summary>
    public Timestamp Timestamp { get; }

    /// <summary>The last header of that name as UTF-8 text, or null.</summary>
    public string? GetHeader(string name) =>
        Headers.TryGetLastBytes(name, out var bytes) && bytes is not null ? Encoding.UTF8.GetString(bytes) : null;
}
