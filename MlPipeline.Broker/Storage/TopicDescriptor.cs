namespace MlPipeline.Broker.Storage;

/// <summary>Per-topic settings (Kafka topic configs), stored with the topic and reported by DescribeConfigs.</summary>
public sealed record TopicConfig
{
    /// <summary>retention.ms; -1 = forever.</summary>
    public long RetentionMs { get; init; } = -1;

    /// <summary>retention.bytes per partition; -1 = unlimited.</summary>
    public long RetentionBytes { get; init; } = -1;

    /// <summary>segment.bytes.</summary>
    public int SegmentBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>max.message.bytes: largest record batch accepted.</summary>
    public int MaxMessageBytes { get; init; } = 1_048_588;

    /// <summary>Configs explicitly set when the topic was created (name → value), reported as topic overrides.</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; init; } = new Dictionary<string, string>();
}

/// <summary>A topic as stored: its name, id, partition count and configuration.</summary>
public sealed record TopicDescriptor(string Name, Guid TopicId, int PartitionCount, TopicConfig Config);
