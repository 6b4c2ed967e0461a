using Confluent.Kafka;

namespace MlPipeline.Core.Messaging.Producing;

/// <summary>Outcome of one message of <see cref="KafkaProducerManager.SendBatchAsync"/>, in input order.</summary>
/// <param name="Index">Position of the message in the batch given.</param>
/// <param name="Position">Where it was written; null when it failed.</param>
/// <param name="Error">Why it failed (code and reason); null when it succeeded.</param>
public sealed record BatchSendResult(int Index, string? Key, string MessageId, TopicPartitionOffset? Position, Error? Error)
{
    public bool Succeeded => Error is null;
}
