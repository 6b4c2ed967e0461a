using Confluent.Kafka;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Health;

namespace MlPipeline.Core.Messaging;

/// <summary>
/// Everything the messaging services need, in client terms. The composition root fills it from the
/// pipeline configuration (KafkaClientConfigFactory for the client configs, error_handling for retries).
/// </summary>
public sealed record KafkaMessagingSettings
{
    public required ProducerConfig Producer { get; init; }

    /// <summary>Shared by every subscription; each sets its own group id.</summary>
    public required ConsumerConfig Consumer { get; init; }

    public required AdminClientConfig Admin { get; init; }

    public KafkaConsumerManagerOptions ConsumerManager { get; init; } = new();

    public KafkaHealthCheckOptions Health { get; init; } = new();

    /// <summary>Bound on each topic-administration request. <value>Default 10 s.</value></summary>
    public TimeSpan AdminRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
