using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Core.Stages;

/// <summary>Where the monitoring stage reads and writes, and how often.</summary>
/// <param name="CollectInterval">Snapshot collection and alert evaluation (<c>monitoring.health_check_interval_seconds</c>).</param>
/// <param name="PublishInterval">Snapshots on Kafka (<c>monitoring.metrics_interval_seconds</c>).</param>
public sealed record MonitoringStageOptions(
    string GroupId,
    string ModelTrainingTopic,
    string PipelineMonitoringTopic,
    string ModelMonitoringTopic,
    string AlertsTopic,
    TimeSpan CollectInterval,
    TimeSpan PublishInterval);

/// <summary>
/// The monitoring stage: follows MODEL_TRAINING events (current models, failures, regressions, drift baselines); every
/// collect interval gathers a snapshot and evaluates the alert rules, publishing each alert event on the alerts topic;
/// every publish interval puts a MONITORING snapshot on <c>pipeline_monitoring</c> and one per model on
/// <c>model_monitoring</c>. Stage figures themselves are recorded by the messaging layer, not here.
/// </summary>
public sealed class MonitoringStage(
    MonitoringStageOptions options,
    KafkaConsumerManager consumers,
    KafkaProducerManager producer,
    KafkaMessageFactory messages,
    TopicProvisioningService topics,
    MonitoringSnapshotBuilder snapshots,
    LatestMonitoringSnapshot latest,
    AlertTracker alerts,
    IEnumerable<IAlertRule> rules,
    ModelStatusTracker models,
    ModelBaselineLoader baselines,
    TimeProvider timeProvider,
    ILogger<MonitoringStage> logger) : BackgroundService
{
    public const string Source = "monitoring";

    private readonly IAlertRule[] rules = rules.ToArray();

    // Alert events not yet on the alerts topic (topics not created yet, or a send failed). Owned by the collect loop.
    private readonly Queue<AlertEvent> unpublishedAlerts = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Collecting starts at once, before the topics exist: an unreachable broker at start-up is exactly what the
        // broker_unreachable rule is for. Its alerts wait in unpublishedAlerts until the alerts topic is there.
        var collecting = CollectLoopAsync(stoppingToken);
        try
        {
            await topics.WhenReadyAsync(stoppingToken).ConfigureAwait(false);
            await baselines.LoadCurrentAsync(stoppingToken).ConfigureAwait(false);
            await using var subscription = await consumers
                .StartAsync([options.ModelTrainingTopic], options.GroupId, OnModelTrainingAsync, stoppingToken)
                .ConfigureAwait(false);
            // Both loops run until the host stops; disposing the subscription then drains and commits it.
            await Task.WhenAll(collecting, PublishLoopAsync(stoppingToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Monitoring stage stopped");
        }
        finally
        {
            // Observed here so a collect loop left running by an early stop never faults unobserved.
            await collecting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Collects a snapshot, evaluates the rules and publishes the resulting alert events (one collect tick).</summary>
    private async Task<MonitoringSnapshot> CollectAndEvaluateAsync(CancellationToken cancellationToken)
    {
        var snapshot = await snapshots.BuildAsync(cancellationToken).ConfigureAwait(false);
        latest.Set(snapshot);
        var evaluable = rules.Where(rule => rule.CanEvaluate(snapshot)).ToArray();
        var unevaluated = rules.Except(evaluable).Select(rule => rule.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var alert in alerts.Evaluate(evaluable.SelectMany(rule => rule.Evaluate(snapshot)), unevaluated))
        {
            LogAlert(alert);
            unpublishedAlerts.Enqueue(alert);
        }

        await PublishAlertsAsync(cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

    private async Task PublishAlertsAsync(CancellationToken cancellationToken)
    {
        // In order, each removed only once the broker has it: a failed send is retried at the next tick.
        while (topics.IsReady && unpublishedAlerts.TryPeek(out var alert))
        {
            var message = messages.Create(MessageType.Alert, Source, alert, ContractJson.Alert);
            await producer.SendAsync(options.AlertsTopic, message, alert.Rule, cancellationToken).ConfigureAwait(false);
            unpublishedAlerts.Dequeue();
        }
    }

    private async Task OnModelTrainingAsync(ConsumedMessage message, CancellationToken cancellationToken)
    {
        if (message.Envelope.MessageType != MessageType.ModelTraining)
        {
            return;
        }

        var trainingEvent = message.Envelope.ReadData(ContractJson.ModelTraining);

        models.Apply(trainingEvent, message.Envelope.Timestamp);
        if (trainingEvent is { Event: ModelTrainingEventKind.Promoted, Version: { } version })
        {
            await baselines.OnPromotedAsync(trainingEvent.Model, version, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CollectLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.CollectInterval, timeProvider);
        do
        {
            await RunTickAsync(CollectAndEvaluateAsync, "collect", cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task PublishLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.PublishInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await RunTickAsync(PublishSnapshotsAsync, "publish", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishSnapshotsAsync(CancellationToken cancellationToken)
    {
        var snapshot = latest.Value ?? await snapshots.BuildAsync(cancellationToken).ConfigureAwait(false);
        var pipeline = new PipelineMonitoringData(
            snapshot.At, snapshot.BrokerReachable, snapshot.Stages, snapshot.Lag, snapshot.Produced, alerts.Open.Count);
        await producer.SendAsync(
                options.PipelineMonitoringTopic,
                messages.Create(MessageType.Monitoring, Source, MonitoringJson.ToData(pipeline)),
                "pipeline",
                cancellationToken)
            .ConfigureAwait(false);

        foreach (var model in snapshot.Models)
        {
            var data = new ModelMonitoringData(
                snapshot.At,
                model,
                snapshot.Drift.Where(feature => feature.Model == model.Model).ToArray(),
                snapshot.Predictions.FirstOrDefault(prediction => prediction.Model == model.Model));
            await producer.SendAsync(
                    options.ModelMonitoringTopic,
                    messages.Create(MessageType.Monitoring, Source, MonitoringJson.ToData(data)),
                    model.Model,
                    cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task RunTickAsync<T>(Func<CancellationToken, Task<T>> tick, string name, CancellationToken cancellationToken) =>
        await RunTickAsync(async token => { await tick(token).ConfigureAwait(false); }, name, cancellationToken).ConfigureAwait(false);

    private async Task RunTickAsync(Func<CancellationToken, Task> tick, string name, CancellationToken cancellationToken)
    {
        try
        {
            await tick(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One bad tick (broker away, a send failed) must not end monitoring: the next tick tries again.
            logger.LogWarning(exception, "Monitoring {Tick} tick failed; retrying at the next interval", name);
        }
    }

    private void LogAlert(AlertEvent alert)
    {
        var level = alert.Status == AlertStatus.Resolved ? LogLevel.Information
            : alert.Severity == AlertSeverity.Critical ? LogLevel.Error
            : LogLevel.Warning;
        logger.Log(level, "Alert {Status} [{Severity}] {Rule} {Subject}: {Message}", alert.Status, alert.Severity, alert.Rule, alert.Subject, alert.Message);
    }
}
