using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using MlPipeline.Core.Messaging;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>Serving seen from Kafka: plain clients on the topics, and a model promotion in the middle of traffic.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ServingOverKafkaTests
{
    private ServingModelFixture models = null!;

    [OneTimeSetUp]
    public void Train() => models = new ServingModelFixture();

    [Test]
    public async Task RequestFromAPlainProducer_GetsOneResultCorrelatedByKeyHeaderAndMetadata()
    {
        await using var host = await ServingHost.StartAsync(models);
        var requestId = Guid.NewGuid().ToString();
        var envelope = new JsonObject
        {
            ["message_id"] = requestId,
            ["message_type"] = "prediction_request",
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            ["source"] = "plain-client",
            ["data"] = new JsonObject { ["features"] = host.FeatureArray(6) },
        };
        using var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(host.BootstrapServers));
        await producer.ProduceAsync("ml-pipeline-prediction-requests", new Message<string, string> { Key = requestId, Value = envelope.ToJsonString() });

        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(host.BootstrapServers));
        consumer.Subscribe("ml-pipeline-prediction-results");
        var result = ConsumeUntil(consumer, record => record.Message.Key == requestId, TimeSpan.FromSeconds(30));

        var body = JsonNode.Parse(result.Message.Value)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message.Headers.TryGetLastBytes(KafkaHeaderNames.CorrelationId, out var header) ? Encoding.UTF8.GetString(header) : null,
                Is.EqualTo(requestId));
            Assert.That(body["metadata"]!["correlation_id"]!.GetValue<string>(), Is.EqualTo(requestId));
            Assert.That(body["message_type"]!.GetValue<string>(), Is.EqualTo("prediction_result"));
            Assert.That(body["data"]!["status"]!.GetValue<string>(), Is.EqualTo("ok"));
            Assert.That(body["data"]!["prediction"]!.GetValue<double>(), Is.EqualTo(await host.ExpectedPredictionAsync(6, version: 1)));
            Assert.That(body["data"]!["model_version"]!.GetValue<int>(), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task PromotionDuringAStreamOfRequests_EveryRequestIsAnsweredAndAnswersSwitchToTheNewVersion()
    {
        await using var host = await ServingHost.StartAsync(models);
        var answers = new List<(string Status, int? Version)>();
        var answered = 0;
        var answeredByNewVersion = 0;

        // Sequential callers, like a client loop: each waits for its answer before asking again.
        var stream = Task.Run(async () =>
        {
            // A few answers after the switch show it stays switched. Bounded by time, not by a count: waiting callers are
            // answered in about a millisecond (the direct path), so any fixed count may run out before the swap lands.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            for (var i = 0; DateTime.UtcNow < deadline && answeredByNewVersion < 5; i++)
            {
                using var response = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=10000", new JsonObject { ["features"] = host.FeatureArray(i % 50) });
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                var answer = body.TryGetProperty("result", out var result)
                    ? (result.GetProperty("status").GetString()!, result.GetProperty("model_version").ValueKind == JsonValueKind.Number ? result.GetProperty("model_version").GetInt32() : (int?)null)
                    : ("unanswered", null);
                answers.Add(answer);
                Interlocked.Increment(ref answered);
                answeredByNewVersion += answer.Item2 == 2 ? 1 : 0;
            }
        });

        Assert.That(() => Volatile.Read(ref answered), Is.GreaterThanOrEqualTo(5).After(30_000, 20), "traffic is flowing before the promotion");
        await host.PromoteAndAnnounceAsync(version: 2);
        await stream;
        TestContext.Progress.WriteLine($"{answers.Count} answers, {answers.Count(a => a.Version == 1)} by version 1");

        var versions = answers.Select(a => a.Version).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answers.Select(a => a.Status), Is.All.EqualTo("ok"), "every request got a scored answer");
            Assert.That(versions, Is.Ordered, "versions never go back once switched");
            Assert.That(versions[0], Is.EqualTo(1));
            Assert.That(versions[^1], Is.EqualTo(2));
        }
    }

    private static ConsumeResult<string, string> ConsumeUntil(
        IConsumer<string, string> consumer, Func<ConsumeResult<string, string>, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is not null && match(record))
            {
                return record;
            }
        }

        throw new TimeoutException($"No matching record within {timeout}.");
    }
}
