using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka.Admin;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Host.Monitoring;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>What a caller and an operator see when serving cannot put a result on the results topic.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionResultDeliveryTests
{
    private const string ResultsTopic = "ml-pipeline-prediction-results";

    private ServingModelFixture models = null!;

    [OneTimeSetUp]
    public void Train() => models = new ServingModelFixture();

    [Test]
    public async Task ResultsTopicRefusesEveryResult_CallerOnThisInstanceStillGetsItsResultAndTheFailureIsReported()
    {
        // The results topic exists before the host starts (so provisioning leaves it alone) and takes no record larger
        // than 100 bytes: every result is refused by the broker (MESSAGE_TOO_LARGE), while requests flow normally.
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = ResultsTopic,
                NumPartitions = 3,
                ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["max.message.bytes"] = "100" },
            }]);
        }

        await using var host = await ServingHost.StartAsync(
            models,
            $"kafka:\n  bootstrap_servers: \"{broker.BootstrapServers}\"\nbroker:\n  mode: external\n  startup_timeout_seconds: 5\n"
            + "error_handling:\n  max_retries: 2\n  retry_delay_seconds: 0\n");

        using var response = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(3) });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("completed"));
            Assert.That(body.GetProperty("result").GetProperty("prediction").GetDouble(), Is.EqualTo(await host.ExpectedPredictionAsync(3, version: 1)));
        }

        // Retried twice more, then given up and reported.
        Assert.That(
            async () => (await host.Client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("result_delivery").GetProperty("undelivered").GetInt64(),
            Is.EqualTo(1).After(20_000, 100));
        var delivery = (await host.Client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("result_delivery");
        var metrics = PrometheusText.Parse(await host.Client.GetStringAsync("/metrics"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(delivery.GetProperty("failed_attempts").GetInt64(), Is.EqualTo(3));
            Assert.That(delivery.GetProperty("undelivered_answered_locally").GetInt64(), Is.EqualTo(1));
            Assert.That(delivery.GetProperty("last_error").GetString(), Is.Not.Empty);
            Assert.That(metrics.Errors, Is.Empty);
            Assert.That(metrics.Value("mlpipeline_prediction_results_undelivered", "local_caller", "answered"), Is.EqualTo(1));
            Assert.That(metrics.Value("mlpipeline_prediction_result_delivery_failures"), Is.EqualTo(3));
        }
    }
}
