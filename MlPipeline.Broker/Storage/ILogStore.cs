namespace MlPipeline.Broker.Storage;

/// <summary>
/// Where topics, their partition logs and committed group offsets live: a directory on disk, or memory.
/// The broker's topic registry is the single owner of the store and the only caller of these members.
/// </summary>
public interface ILogStore : IDisposable
{
    /// <summary>Topics found at start-up (recovered from disk; always empty in memory).</summary>
    IReadOnlyList<TopicDescriptor> LoadTopics();

    /// <summary>
    /// Records a topic durably (its descriptor is read back by <see cref="LoadTopics"/>). Called again with a
    /// larger partition count when partitions are added, so it must replace an existing descriptor atomically.
    /// </summary>
    void CreateTopic(TopicDescriptor topic);

    /// <summary>Removes a topic and all its data. Its open partition logs must have been disposed.</summary>
    void DeleteTopic(string name);

    /// <summary>Opens (creating if needed, recovering if present) one partition's log.</summary>
    IPartitionLog OpenPartition(TopicDescriptor topic, int partition);

    /// <summary>Committed consumer-group offsets, durable with the rest of the store.</summary>
    IGroupOffsetStore Offsets { get; }
}
