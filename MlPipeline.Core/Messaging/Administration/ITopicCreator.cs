namespace MlPipeline.Core.Messaging.Administration;

/// <summary>
/// Creates the topics the pipeline needs. Through the Kafka admin API (<see cref="TopicAdministrator"/>) against an
/// external cluster; in-process against the embedded broker, so the host's own topics exist even when the broker
/// refuses topic administration to clients.
/// </summary>
public interface ITopicCreator
{
    /// <summary>Creates the topics that do not exist yet; one that already exists counts as success and is left as it is.</summary>
    Task<EnsureTopicsResult> EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken);
}
