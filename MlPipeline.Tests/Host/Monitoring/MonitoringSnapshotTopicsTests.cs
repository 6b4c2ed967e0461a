using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Host.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class MonitoringSnapshotTopicsTests
{
    [Test]
    public async Task MonitoringStage_EveryMetricsInterval_PublishesPipelineAndModelSnapshots()
    {
        await using var host = await MonitoringHost.StartAsync();
        var topics = host.Runner.Service<PipelineConfig>().Topics;
        var pipeline = new ConcurrentQueue<KafkaMessage>();
        var model = new ConcurrentQueue<(string? Key, KafkaMessage Message)>();
        await host.SubscribeAsync("pipeline-reader", (message, _) => Enqueue(pipeline, message.Envelope), topics.PipelineMonitoringTopic);
        await host.SubscribeAsync("model-reader", (message, _) => Enqueue(model, (message.Key, message.Envelope)), topics.ModelMonitoringTopic);

        await host.PublishTrainingEventAsync(new ModelTrainingEvent(
            ModelTrainingEventKind.Promoted, "sales", 4, "dataset-9", new RegressionMetricsSummary(0.81, 3.5, 2.25), 3, null, false, "first model"));

        Assert.That(() => model.Any(entry => entry.Key == "sales"), Is.True.After(20_000, 200), "a model snapshot keyed by model name");
        Assert.That(() => pipeline.Any(HasStage("pipeline-reader")), Is.True.After(20_000, 200), "pipeline snapshots list the stages");
        var snapshot = model.Last(entry => entry.Key == "sales").Message;
        var stage = pipeline.Last(HasStage("pipeline-reader")).Data["stages"]!.AsArray()
            .First(s => s!["stage"]!.GetValue<string>() == "pipeline-reader")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(snapshot.MessageType, Is.EqualTo(MessageType.Monitoring));
            Assert.That(snapshot.Data["model"]!["current_version"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(snapshot.Data["model"]!["r_squared"]!.GetValue<double>(), Is.EqualTo(0.81));
            Assert.That(snapshot.Data["drift"], Is.InstanceOf<JsonArray>());
            Assert.That(stage["state"]!.GetValue<string>(), Is.EqualTo("running"));
            Assert.That(stage["handled"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(0));
            Assert.That(pipeline.Last().Data["lag"], Is.InstanceOf<JsonArray>());
        }
    }

    private static Func<KafkaMessage, bool> HasStage(string stage) =>
        message => message.Data["stages"] is JsonArray stages && stages.Any(s => s!["stage"]!.GetValue<string>() == stage);

    private static Task Enqueue<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        return Task.CompletedTask;
    }
}
