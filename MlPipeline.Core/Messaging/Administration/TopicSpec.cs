namespace MlPipeline.Core.Messaging.Administration;

/// <summary>A topic the pipeline needs.</summary>
/// <param name="RetentionMs">retention.ms of the topic; null keeps the broker's default, -1 keeps data forever.</param>
public sealed record TopicSpec(string Name, int Partitions = 3, short ReplicationFactor = 1, long? RetentionMs = null);
