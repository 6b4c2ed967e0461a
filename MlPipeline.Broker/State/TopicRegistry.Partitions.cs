using Microsoft.Extensions.Logging;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.Storage;

namespace MlPipeline.Broker.State;

// Growing a topic (CreatePartitions). Kept apart from the create/delete half of the registry because it is the
// only change that replaces a live TopicState instead of adding or removing one.
public sealed partial class TopicRegistry
{
    /// <summary>
    /// Raises a topic's partition count to <paramref name="newTotal"/> (Kafka's count is the new total, not a
    /// delta). Existing partitions keep their logs and offsets; new ones start empty at offset 0. With
    /// <paramref name="validateOnly"/> every check runs but nothing changes.
    /// </summary>
    /// <param name="name">The topic.</param>
    /// <param name="newTotal">The partition count wanted after the change.</param>
    /// <param name="assignments">
    /// The replicas named for each new partition, or null to let the broker choose. Checked as Kafka does: one
    /// entry per added partition, each naming exactly the existing replication factor (1) of live brokers.
    /// </param>
    /// <param name="nodeId">This broker's node id, the only broker a replica may name.</param>
    /// <param name="validateOnly">Check, but change nothing.</param>
    public (ErrorCode Error, string? Message) AddPartitions(
        string name, int newTotal, IReadOnlyList<IReadOnlyList<int>>? assignments, int nodeId, bool validateOnly)
    {
        lock (_changeGate)
        {
            // Checked under the gate: the current count must not change between this check and the swap below.
            if (!_topics.TryGetValue(name, out var topic))
                return (ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist");
            int current = topic.Partitions.Count;
            if (newTotal < current)
                return (ErrorCode.InvalidPartitions, $"Topic '{name}' currently has {current} partitions, which is higher than the requested {newTotal}");
            if (newTotal == current)
                return (ErrorCode.InvalidPartitions, $"Topic '{name}' already has {current} partitions");
            if (newTotal > _options.MaxPartitionsPerTopic)
                return (ErrorCode.InvalidPartitions, $"Number of partitions must be at most {_options.MaxPartitionsPerTopic} (broker max_partitions_per_topic), was {newTotal}");
            if (assignments is not null && AssignmentError(assignments, newTotal - current, nodeId) is { } assignmentError)
                return (ErrorCode.InvalidReplicaAssignment, assignmentError);
            if (TotalLimitError(newTotal - current) is { } limitError)
                return (ErrorCode.PolicyViolation, limitError);
            if (validateOnly) return (ErrorCode.None, null);

            return AddPartitionsLocked(topic, newTotal);
        }
    }

    private static string? AssignmentError(IReadOnlyList<IReadOnlyList<int>> assignments, int added, int nodeId)
    {
        if (assignments.Count != added)
            return $"Increasing the number of partitions by {added} needs {added} assignments, got {assignments.Count}";
        foreach (var replicas in assignments)
        {
            // A single node holds one replica of everything, so the only valid assignment is [nodeId].
            if (replicas.Count != 1)
                return $"Each new partition needs exactly one replica on this single-node broker, got [{string.Join(", ", replicas)}]";
            if (replicas[0] != nodeId)
                return $"Replica assignment may only name broker {nodeId}, got {replicas[0]}";
        }
        return null;
    }

    private (ErrorCode Error, string? Message) AddPartitionsLocked(TopicState topic, int newTotal)
    {
        var grown = topic.Descriptor with { PartitionCount = newTotal };
        var partitions = new PartitionState[newTotal];
        for (int i = 0; i < topic.Partitions.Count; i++) partitions[i] = topic.Partitions[i];

        // The new logs are opened before the descriptor is rewritten: a crash in between leaves only empty,
        // unreferenced partition folders (re-opened, still empty, by a later grow), never a descriptor that names
        // partitions whose logs could not be created.
        int opened = topic.Partitions.Count;
        try
        {
            for (; opened < newTotal; opened++)
                partitions[opened] = OpenPartition(grown, opened);
            // The store replaces the stored descriptor atomically, so a restart recovers either the old count or the new.
            _store.CreateTopic(grown);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            for (int i = topic.Partitions.Count; i < opened; i++) partitions[i].Close();
            LogGrowFailed(ex, grown.Name, _options.DataDirectory ?? "memory", ex.Message);
            return (ErrorCode.KafkaStorageError, $"Partitions of '{grown.Name}' could not be stored: {ex.Message}");
        }

        // Readers hold whichever snapshot they looked up; a request that still sees the old one answers
        // UNKNOWN_TOPIC_OR_PARTITION for a new partition, and clients retry after refreshing metadata.
        _topics[grown.Name] = new TopicState(grown, partitions);
        _totalPartitions += newTotal - topic.Partitions.Count;
        LogPartitionsAdded(grown.Name, topic.Partitions.Count, newTotal);
        return (ErrorCode.None, null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Adding partitions to {Topic} in {StorageLocation} failed, the client gets KAFKA_STORAGE_ERROR: {Reason}")]
    private partial void LogGrowFailed(Exception exception, string topic, string storageLocation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grew topic {Topic} from {OldPartitions} to {NewPartitions} partitions")]
    private partial void LogPartitionsAdded(string topic, int oldPartitions, int newPartitions);
}
