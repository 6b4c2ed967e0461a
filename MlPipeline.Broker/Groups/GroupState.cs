namespace MlPipeline.Broker.Groups;

/// <summary>The classic group state machine (Kafka's GroupMetadata states).</summary>
public enum GroupState
{
    /// <summary>No members; the group may still hold committed offsets.</summary>
    Empty,
    /// <summary>A rebalance started: JoinGroup requests are parked until every known member rejoined.</summary>
    PreparingRebalance,
    /// <summary>A generation was formed; waiting for the leader's SyncGroup with the assignments.</summary>
    CompletingRebalance,
    /// <summary>Every member has (or can fetch) its assignment; heartbeats keep the generation alive.</summary>
    Stable,
    /// <summary>The group does not exist (reported by DescribeGroups for unknown ids).</summary>
    Dead,
}

public static class GroupStateExtensions
{
    /// <summary>The state name DescribeGroups/ListGroups put on the wire; clients and tools match these exact strings.</summary>
    public static string ToProtocolName(this GroupState state) => state switch
    {
        GroupState.Empty => "Empty",
        GroupState.PreparingRebalance => "PreparingRebalance",
        GroupState.CompletingRebalance => "CompletingRebalance",
        GroupState.Stable => "Stable",
        _ => "Dead",
    };
}
