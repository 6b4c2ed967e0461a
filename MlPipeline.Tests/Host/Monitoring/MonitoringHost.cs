using System.Net.Http.Json;
using System.Text.Json;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Tests.Host.Monitoring;

/// <summary>
/// A host with monitoring on fast intervals (collect and publish every second, one-second throughput buckets, quick
/// commits so lag follows handling closely), plus what the tests need to make data flow through the real messaging layer.
/// </summary>
internal sealed class MonitoringHost : IAsyncDisposable
{
    public const string BaseGroup = "ml-pipeline-consumer-group";

    private const string FastMonitoring = """
        monitoring:
          metrics_interval_seconds: 1
          health_check_interval_seconds: 1
          throughput_bucket_seconds: 1
          drift_window_size: 100
          drift_min_samples: 10
        consumer:
          auto_commit_interval_ms: 100
        """;

    private readonly List<IConsumerSubscription> subscriptions = [];

    private MonitoringHost(PipelineHostRunner runner) => Runner = runner;

    public PipelineHostRunner Runner { get; }

    public HttpClient Client => Runner.Client;

    public string RawDataTopic => Runner.Service<MlPipeline.Core.Configuration.PipelineConfig>().Topics.RawDataTopic;

    public static async Task<MonitoringHost> StartAsync(string extraYaml = "")
    {
        var runner = await PipelineHostRunner.StartAsync(FastMonitoring + "\n" + extraYaml);
        try
        {
            using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await runner.Service<TopicProvisioningService>().WhenReadyAsync(ready.Token);
            return new MonitoringHost(runner);
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes stage <paramref name="stage"/> (group <c>{base}.{stage}</c>) to the raw-data topic.</summary>
    public async Task<IConsumerSubscription> SubscribeAsync(string stage, Func<ConsumedMessage, CancellationToken, Task> handler, string? topic = null)
    {
        var subscription = await Runner.Service<KafkaConsumerManager>()
            .StartAsync([topic ?? RawDataTopic], $"{BaseGroup}.{stage}", handler, CancellationToken.None);
        subscriptions.Add(subscription);
        return subscription;
    }

    /// <summary>Sends <paramref name="count"/> envelopes with one key, so they land on one partition in order.</summary>
    public async Task ProduceAsync(int count, string key = "k", string? topic = null)
    {
        var factory = Runner.Service<KafkaMessageFactory>();
        var messages = Enumerable.Range(0, count)
            .Select(index => ((string?)key, factory.Create(MessageType.RawData, "test", new System.Text.Json.Nodes.JsonObject { ["row"] = index })));
        var results = await Runner.Service<KafkaProducerManager>().SendBatchAsync(topic ?? RawDataTopic, messages, CancellationToken.None);
        Assert.That(results.All(result => result.Succeeded), Is.True, "every test message is delivered");
    }

    public async Task PublishTrainingEventAsync(ModelTrainingEvent trainingEvent)
    {
        var config = Runner.Service<MlPipeline.Core.Configuration.PipelineConfig>();
        var message = Runner.Service<KafkaMessageFactory>()
            .Create(MessageType.ModelTraining, "training", MonitoringJson.ToData(trainingEvent));
        await Runner.Service<KafkaProducerManager>().SendAsync(config.Topics.ModelTrainingTopic, message, trainingEvent.Model, CancellationToken.None);
    }

    public long Handled(string stage) => Runner.Service<MessageFlowStatistics>().Total($"{BaseGroup}.{stage}", FlowCount.Handled);

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Client.GetFromJsonAsync<JsonElement>(path);

    public async ValueTask DisposeAsync()
    {
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        await Runner.DisposeAsync();
    }
}
