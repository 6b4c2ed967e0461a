using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.State;

/// <summary>A live topic: its stored descriptor and one <see cref="PartitionState"/> per partition.</summary>
public sealed class TopicState(TopicDescriptor descriptor, PartitionState[] partitions)
{
    public TopicDescriptor Descriptor { get; } = descriptor;
    public string Name => Descriptor.Name;
    public TopicConfig Config => Descriptor.Config;
    public IReadOnlyList<PartitionState> Partitions { get; } = partitions;

    public PartitionState? GetPartition(int index) =>
        (uint)index < (uint)Partitions.Count ? Partitions[index] : null;
}
