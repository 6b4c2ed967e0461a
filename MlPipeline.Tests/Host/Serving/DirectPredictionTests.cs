using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Stages;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// Callers who wait are answered in-process (DirectPredictionService) with the serving stage stopped, and the topics,
/// GET and monitoring still see the request and its result once.
/// </summary>
public sealed class DirectPredictionTests
{
    private const string RequestsTopic = "ml-pipeline-prediction-requests";
    private const string ResultsTopic = "ml-pipeline-prediction-results";

    private ServingModelFixture models = null!;

    [OneTimeSetUp]
    public void Train() => models = new ServingModelFixture();

    [Test]
    public async Task WaitingPrediction_WithTheServingStageStopped_IsAnsweredRecordedOnceAndNotScoredAgainByTheStage()
    {
        await using var host = await ServingHost.StartAsync(models);
        var stage = host.Runner.Service<ServingStage>();
        // The stage loaded the model at start; stopped, it consumes nothing while the caller is answered.
        Assert.That(async () => (await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(0) })).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(30_000, 100), "the model is loaded");
        await stage.StopAsync(CancellationToken.None);
        var scoredBefore = Scored(host);

        using var response = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(7) });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var messageId = body.GetProperty("message_id").GetString()!;
        var expected = await host.ExpectedPredictionAsync(7, version: 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetProperty("result").GetProperty("prediction").GetDouble(), Is.EqualTo(expected));
            var stored = await host.Client.GetFromJsonAsync<JsonElement>($"/api/prediction/{messageId}");
            Assert.That(stored.GetProperty("result").GetProperty("prediction").GetDouble(), Is.EqualTo(expected));
            Assert.That(Scored(host), Is.EqualTo(scoredBefore + 1), "monitoring saw the answer");
        }

        Assert.That(() => RecordsAbout(host, messageId), Is.EqualTo((1, 1)).After(20_000, 200), "request and result recorded once each");
        var request = TopicSnapshot.Read(host.BootstrapServers, RequestsTopic, TimeSpan.FromSeconds(20)).Single(r => r.Message.Key == messageId);
        var result = TopicSnapshot.Read(host.BootstrapServers, ResultsTopic, TimeSpan.FromSeconds(20)).Single(r => r.Message.Key == messageId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Header(KafkaHeaderNames.AnsweredBy), Is.Not.Null.And.Not.Empty);
            Assert.That(result.Header(KafkaHeaderNames.CorrelationId), Is.EqualTo(messageId));
            Assert.That(JsonNode.Parse(result.Message.Value)!["metadata"]!["correlation_id"]!.GetValue<string>(), Is.EqualTo(messageId));
            Assert.That(JsonNode.Parse(result.Message.Value)!["data"]!["prediction"]!.GetValue<double>(), Is.EqualTo(expected));
        }

        // Started again, the stage consumes the answered request (and a new one after it) but scores only the new one.
        await stage.StartAsync(CancellationToken.None);
        var accepted = await host.PostAsync("/api/predict", new JsonObject { ["features"] = host.FeatureArray(8) });
        var laterId = accepted.GetProperty("message_id").GetString()!;
        Assert.That(async () => (await host.Client.GetAsync($"/api/prediction/{laterId}")).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(30_000, 100), "the restarted stage serves requests queued after the answered one");
        Assert.That(() => CommittedOffset(host, request.TopicPartition), Is.GreaterThan(request.Offset.Value).After(30_000, 200),
            "the stage's group has consumed past the answered request");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(RecordsAbout(host, messageId), Is.EqualTo((1, 1)), "the stage did not score the answered request again");
            Assert.That(() => Scored(host), Is.EqualTo(scoredBefore + 2).After(5_000, 50), "monitoring counted the answered request once");
        }
    }

    [Test]
    public async Task DirectDisabled_WaitingPredictionKeepsTheKafkaRoundTrip()
    {
        await using var host = await ServingHost.StartAsync(models, "  direct: false\n");
        Assert.That(async () => (await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(0) })).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(30_000, 100), "the model is loaded");
        await host.Runner.Service<ServingStage>().StopAsync(CancellationToken.None);

        using var response = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=1000", new JsonObject { ["features"] = host.FeatureArray(1) });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "with the stage stopped, nobody answered within wait_ms");
    }

    /// <summary>Predictions monitoring has been told about (PredictionStatistics, which status and the dashboard show).</summary>
    private static long Scored(ServingHost host) =>
        host.Runner.Service<PredictionStatistics>().Snapshot().Where(s => s.Model == ServingHost.ModelName).Sum(s => s.Total);

    private static long CommittedOffset(ServingHost host, TopicPartition partition)
    {
        var groupId = host.Runner.Service<ServingStageOptions>().GroupId;
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(host.BootstrapServers, groupId));
        return consumer.Committed([partition], TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }

    private static (int Requests, int Results) RecordsAbout(ServingHost host, string messageId) =>
        (TopicSnapshot.Read(host.BootstrapServers, RequestsTopic, TimeSpan.FromSeconds(20)).Count(r => r.Message.Key == messageId),
         TopicSnapshot.Read(host.BootstrapServers, ResultsTopic, TimeSpan.FromSeconds(20)).Count(r => r.Message.Key == messageId));
}
