using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Messaging.Administration;

/// <summary>The topics the pipeline needs, as the configuration names and sizes them.</summary>
public static class PipelineTopics
{
    /// <summary>
    /// Every configured topic (including dead-letter) with <c>broker.partitions</c>, <c>broker.replication_factor</c>
    /// and <c>broker.retention_ms</c>, the same way the original setup script created them.
    /// </summary>
    public static IReadOnlyList<TopicSpec> Specs(PipelineConfig config) =>
        config.Topics.All
            .Select(topic => new TopicSpec(
                topic.Name,
                config.Broker.Partitions,
                config.Broker.ReplicationFactor,
                config.Broker.RetentionMs))
            .ToArray();
}
