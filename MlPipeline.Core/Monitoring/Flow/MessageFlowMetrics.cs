using System.Diagnostics;
using System.Diagnostics.Metrics;
using MlPipeline.Core.Messaging.Observability;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// The messaging layer's observer: every event becomes a meter measurement (for <c>/metrics</c>, tagged with stage and
/// topic) and an entry in <see cref="MessageFlowStatistics"/> (for status, dashboard and alert windows).
/// </summary>
public sealed class MessageFlowMetrics : IMessageFlowObserver
{
    private readonly MessageFlowStatistics statistics;
    private readonly StageNames stageNames;
    private readonly Counter<long> consumed;
    private readonly Counter<long> handled;
    private readonly Counter<long> failed;
    private readonly Counter<long> retried;
    private readonly Counter<long> deadLettered;
    private readonly Counter<long> produced;
    private readonly Histogram<double> handlingDuration;

    public MessageFlowMetrics(PipelineMeter meter, MessageFlowStatistics statistics, StageNames stageNames)
    {
        this.statistics = statistics;
        this.stageNames = stageNames;
        var m = meter.Meter;
        consumed = m.CreateCounter<long>("messages_consumed", description: "Messages fetched by a stage, per stage and topic.");
        handled = m.CreateCounter<long>("messages_handled", description: "Messages a stage handled successfully.");
        failed = m.CreateCounter<long>("messages_failed", description: "Messages a stage gave up on after retries.");
        retried = m.CreateCounter<long>("messages_retried", description: "Handler attempts that failed and were retried.");
        deadLettered = m.CreateCounter<long>("messages_dead_lettered", description: "Failed messages parked on the dead-letter topic.");
        produced = m.CreateCounter<long>("messages_produced", description: "Records acknowledged by the broker, per topic.");
        handlingDuration = m.CreateHistogram<double>(
            "message_handling_duration_seconds",
            unit: "s",
            description: "Time from fetch to handled or given up, retries included.");
    }

    public void OnConsumed(string groupId, string topic)
    {
        consumed.Add(1, Tags(groupId, topic));
        statistics.Record(groupId, topic, FlowCount.Consumed);
    }

    public void OnHandled(string groupId, string topic, TimeSpan duration)
    {
        var tags = Tags(groupId, topic);
        handled.Add(1, tags);
        handlingDuration.Record(duration.TotalSeconds, tags);
        statistics.Record(groupId, topic, FlowCount.Handled);
    }

    public void OnRetried(string groupId, string topic)
    {
        retried.Add(1, Tags(groupId, topic));
        statistics.Record(groupId, topic, FlowCount.Retried);
    }

    public void OnFailed(string groupId, string topic, TimeSpan duration)
    {
        var tags = Tags(groupId, topic);
        failed.Add(1, tags);
        handlingDuration.Record(duration.TotalSeconds, tags);
        statistics.Record(groupId, topic, FlowCount.Failed);
    }

    public void OnDeadLettered(string groupId, string topic)
    {
        deadLettered.Add(1, Tags(groupId, topic));
        statistics.Record(groupId, topic, FlowCount.DeadLettered);
    }

    public void OnProduced(string topic, int count)
    {
        produced.Add(count, new KeyValuePair<string, object?>("topic", topic));
        statistics.RecordProduced(topic, count);
    }

    private TagList Tags(string groupId, string topic) =>
        new() { { "stage", stageNames.FromGroupId(groupId) }, { "group", groupId }, { "topic", topic } };
}
