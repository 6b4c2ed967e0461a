using MlPipeline.Core.Configuration;

namespace MlPipeline.Core.Monitoring.Alerts;

/// <summary>Where the broker's storage health is read from (the embedded broker, in process).</summary>
public interface IBrokerStorageProbe
{
    /// <summary>Partitions (<c>topic-partition</c>) whose last append failed for lack of storage, with the appends refused since.</summary>
    IReadOnlyList<(string Partition, int FailedAppends)> PartitionsFailingAppends();
}

/// <summary>
/// <c>broker_storage</c>: the broker cannot append to its log (disk full, read-only, failing device), so producers are
/// answered KAFKA_STORAGE_ERROR and, retrying, see nothing but time-outs. Fires at the first evaluation that finds a
/// failing partition and resolves when appends to every partition succeed again: a partition counts as failing until
/// its next append succeeds.
/// </summary>
public sealed class BrokerStorageRule(AlertRuleOptions options, IBrokerStorageProbe probe) : IAlertRule
{
    /// <summary>Partitions named in the message; the rest are counted.</summary>
    private const int NamedPartitions = 5;

    public string Name => "broker_storage";

    public IEnumerable<AlertSignal> Evaluate(MonitoringSnapshot snapshot)
    {
        var failing = probe.PartitionsFailingAppends();
        if (failing.Count == 0)
        {
            yield break;
        }

        var named = string.Join(", ", failing.Take(NamedPartitions).Select(p => $"{p.Partition} ({p.FailedAppends} refused)"));
        var more = failing.Count > NamedPartitions ? $" and {failing.Count - NamedPartitions} more" : "";
        yield return new AlertSignal(
            Name,
            "broker",
            options.Severity,
            Value: failing.Count,
            Threshold: 0,
            $"The broker cannot write its log: appends to {failing.Count} partition(s) fail, producers get KAFKA_STORAGE_ERROR: {named}{more}. "
                + "Free space (or fix the disk) under broker.data_dir; the broker's log names the reason.");
    }
}
