using System.Net.Http.Json;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Tests.Host.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class AlertFlowTests
{
    [Test]
    public async Task StalledConsumer_LagGrows_FiresLagAlertOnceThenResolvesAfterDraining()
    {
        await using var host = await MonitoringHost.StartAsync("alerts:\n  consumer_lag:\n    threshold: 3\n    for_seconds: 1\n");
        const string group = MonitoringHost.BaseGroup + ".stalled";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        await host.SubscribeAsync("stalled", async (_, token) =>
        {
            // The first message goes through (so the group has a committed offset); every later one waits for release.
            if (Interlocked.Increment(ref handled) > 1)
            {
                await release.Task.WaitAsync(token);
            }
        });
        var tracker = host.Runner.Service<AlertTracker>();
        bool IsLagAlert(AlertEvent alert) => alert.Rule == "consumer_lag" && alert.Subject == group;

        await host.ProduceAsync(1);
        Assert.That(() => host.Handled("stalled"), Is.EqualTo(1).After(20_000, 100));
        await host.ProduceAsync(10);
        Assert.That(() => tracker.Open.Where(IsLagAlert).Select(alert => alert.Value).FirstOrDefault(),
            Is.GreaterThan(3).After(20_000, 200), "lag alert fires while the handler is blocked");

        release.SetResult();
        Assert.That(() => tracker.Recent.Where(IsLagAlert).Select(alert => alert.Status),
            Does.Contain(AlertStatus.Resolved).After(20_000, 200), "resolved once drained");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.Handled("stalled"), Is.EqualTo(11));
            Assert.That(tracker.Recent.Where(IsLagAlert).Select(alert => alert.Status),
                Is.EqualTo(new[] { AlertStatus.Resolved, AlertStatus.Firing }), "fired once, then resolved (newest first)");
        }
    }

    [Test]
    public async Task ConsumerStuckOnItsFirstMessage_NothingEverCommitted_FiresLagAlert()
    {
        await using var host = await MonitoringHost.StartAsync("alerts:\n  consumer_lag:\n    threshold: 3\n    for_seconds: 1\n");
        const string group = MonitoringHost.BaseGroup + ".stuck";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await host.SubscribeAsync("stuck", async (_, token) => await release.Task.WaitAsync(token));
        var tracker = host.Runner.Service<AlertTracker>();

        try
        {
            await host.ProduceAsync(10);
            Assert.That(
                () => tracker.Open.Where(alert => alert.Rule == "consumer_lag" && alert.Subject == group).Select(alert => alert.Value).FirstOrDefault(),
                Is.EqualTo(10).After(20_000, 200),
                "the group never committed, so every message counts from the start");
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Test]
    public async Task TrainingFailedEvent_OnModelTrainingTopic_FiresTrainingFailedAlert()
    {
        await using var host = await MonitoringHost.StartAsync();

        await host.PublishTrainingEventAsync(new ModelTrainingEvent(
            ModelTrainingEventKind.Failed, "sales", null, "dataset-1", null, null, null, false, "dataset has 3 rows; training needs at least 10"));

        var tracker = host.Runner.Service<AlertTracker>();
        Assert.That(() => tracker.Open.Where(alert => alert.Rule == "training_failed").Select(alert => alert.Subject),
            Does.Contain("sales").After(20_000, 200));
        var alert = tracker.Open.Single(alert => alert.Rule == "training_failed");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(alert.Severity, Is.EqualTo(AlertSeverity.Critical));
            Assert.That(alert.Message, Does.Contain("needs at least 10"));
        }
    }

    [Test]
    public async Task AlertsTopic_AlertFiresAndResolves_CarriesAlertEnvelopesWithRuleSeverityAndFigure()
    {
        await using var host = await MonitoringHost.StartAsync();
        var config = host.Runner.Service<MlPipeline.Core.Configuration.PipelineConfig>();
        var received = new System.Collections.Concurrent.ConcurrentQueue<AlertEvent>();
        await host.SubscribeAsync(
            "alert-reader",
            (message, _) =>
            {
                if (message.Envelope.MessageType == MlPipeline.Core.Messaging.Envelope.MessageType.Alert)
                {
                    received.Enqueue(MonitoringJson.FromData<AlertEvent>(message.Envelope.Data)!);
                }

                return Task.CompletedTask;
            },
            config.Topics.AlertsTopic);

        await host.PublishTrainingEventAsync(new ModelTrainingEvent(
            ModelTrainingEventKind.Failed, "sales", null, null, null, null, null, false, "out of memory"));
        Assert.That(() => received.Select(alert => (alert.Rule, alert.Status)),
            Does.Contain(("training_failed", AlertStatus.Firing)).After(20_000, 200));
        await host.PublishTrainingEventAsync(new ModelTrainingEvent(
            ModelTrainingEventKind.Completed, "sales", 1, null, new RegressionMetricsSummary(0.9, 1, 1), null, null, false, null));
        Assert.That(() => received.Select(alert => (alert.Rule, alert.Status)),
            Does.Contain(("training_failed", AlertStatus.Resolved)).After(20_000, 200));

        var fired = received.First(alert => alert.Status == AlertStatus.Firing);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fired.Severity, Is.EqualTo(AlertSeverity.Critical));
            Assert.That(fired.Value, Is.EqualTo(1));
            Assert.That(fired.Message, Does.Contain("out of memory"));
        }
    }

    [Test]
    public async Task FailingHandler_MessagesDeadLettered_FiresDeadLetterAndErrorRateAlertsAndCountsThem()
    {
        await using var host = await MonitoringHost.StartAsync(
            "error_handling:\n  max_retries: 1\n  retry_delay_seconds: 0\n"
            + "alerts:\n  stage_error_rate:\n    min_messages: 3\n");
        const string group = MonitoringHost.BaseGroup + ".broken";
        await host.SubscribeAsync("broken", (_, _) => throw new InvalidOperationException("cannot parse row"));

        await host.ProduceAsync(4);

        var tracker = host.Runner.Service<AlertTracker>();
        Assert.That(() => tracker.Open.Where(alert => alert.Subject == group).Select(alert => alert.Rule),
            Is.EquivalentTo(new[] { "dead_letter", "stage_error_rate" }).After(20_000, 200));
        var stage = (await host.GetJsonAsync("/api/status")).GetProperty("stages").EnumerateArray()
            .Single(s => s.GetProperty("group_id").GetString() == group);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stage.GetProperty("consumed").GetInt64(), Is.EqualTo(4));
            Assert.That(stage.GetProperty("failed").GetInt64(), Is.EqualTo(4));
            Assert.That(stage.GetProperty("retried").GetInt64(), Is.EqualTo(4), "one retry each");
            Assert.That(stage.GetProperty("dead_lettered").GetInt64(), Is.EqualTo(4));
            Assert.That(stage.GetProperty("handled").GetInt64(), Is.Zero);
            Assert.That(tracker.Open.Single(alert => alert.Rule == "stage_error_rate" && alert.Subject == group).Value, Is.EqualTo(1.0));
        }
    }

    [Test]
    public async Task BrokerUnreachableFromStart_FiresBrokerUnreachableAlertAndStatusStaysAnswering()
    {
        int deadPort;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            deadPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var host = await PipelineHostRunner.StartAsync(
            "broker:\n  mode: external\n  startup_timeout_seconds: 1\n"
            + "monitoring:\n  health_check_interval_seconds: 1\n"
            + "alerts:\n  broker_unreachable:\n    for_seconds: 0\n",
            new Dictionary<string, string?> { ["KAFKA_BOOTSTRAP_SERVERS"] = $"127.0.0.1:{deadPort}" });

        var tracker = host.Service<AlertTracker>();
        Assert.That(() => tracker.Open.Select(alert => (alert.Rule, alert.Severity)),
            Does.Contain(("broker_unreachable", AlertSeverity.Critical)).After(20_000, 200));
        var response = await host.Client.GetAsync("/api/status");
        var status = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
            Assert.That(status.GetProperty("healthy").GetBoolean(), Is.False);
            Assert.That(status.GetProperty("alerts").EnumerateArray().Select(alert => alert.GetProperty("rule").GetString()),
                Does.Contain("broker_unreachable"));
        }
    }
}
