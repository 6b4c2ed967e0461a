namespace MlPipeline.Core.Messaging.Administration;

/// <summary>A topic as the broker's metadata describes it.</summary>
public sealed record TopicInfo(string Name, IReadOnlyList<TopicPartitionInfo> Partitions);

/// <param name="Leader">Node id of the leader; -1 when there is none.</param>
public sealed record TopicPartitionInfo(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> InSyncReplicas);

/// <summary>What <see cref="TopicAdministrator.EnsureTopicsAsync"/> did.</summary>
public sealed record EnsureTopicsResult(IReadOnlyList<string> Created, IReadOnlyList<string> AlreadyExisting);
