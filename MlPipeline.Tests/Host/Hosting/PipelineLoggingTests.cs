using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Core.Configuration;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Host.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Hosting;

/// <summary>The <c>logging:</c> section applied to the real host, and how little it logs under load.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PipelineLoggingTests
{
    private const string StagesCategory = "MlPipeline.Core.Stages";

    [TestCase(true)]
    [TestCase(false)]
    public async Task CategorySetToDebugInTheYaml_LogsItsDebugLinesAndOnlyThen(bool stagesAtDebug)
    {
        var capture = new CapturingLoggerProvider();
        string yaml = stagesAtDebug ? $"logging:\n  levels:\n    {StagesCategory}: debug\n" : "";

        await using (await PipelineHostRunner.StartAsync(yaml, addLogging: logging => logging.AddProvider(capture)))
        {
        }

        // The monitoring stage logs "Monitoring stage stopped" at Debug when the host stops it.
        var stageDebugLines = capture.Entries
            .Where(entry => entry.Level == LogLevel.Debug && entry.Category.StartsWith(StagesCategory, StringComparison.Ordinal))
            .Select(entry => entry.Message)
            .ToArray();
        Assert.That(stageDebugLines, stagesAtDebug ? Does.Contain("Monitoring stage stopped") : Is.Empty);
    }

    [Test]
    public async Task ShippedConfig_2000HttpAnd2000KafkaPredictions_LogFewerThan50LinesNoneOfThemPerRequest()
    {
        const int requestsPerPath = 2_000;
        var shipped = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment).Logging;
        var capture = new CapturingLoggerProvider();
        await using var host = await ServingHost.StartAsync(new ServingModelFixture(), ShippedLoggingSection(), addLogging: logging =>
        {
            // The test runner holds everything at Warning; this test measures what the shipped file lets through.
            logging.SetMinimumLevel(shipped.Level);
            logging.AddProvider(capture);
        });
        using (var warmUp = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(0) }))
            Assert.That((await warmUp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("completed"));
        int linesBefore = capture.Entries.Count;

        var requestIds = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, requestsPerPath), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            using var response = await host.Client.PostAsJsonAsync("/api/predict", new JsonObject { ["features"] = host.FeatureArray(i % 50) }, token);
            requestIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("message_id").GetString()!);
        });
        using (var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(host.BootstrapServers)))
        {
            for (int i = 0; i < requestsPerPath; i++)
            {
                var id = Guid.NewGuid().ToString();
                requestIds.Add(id);
                var envelope = new JsonObject
                {
                    ["message_id"] = id,
                    ["message_type"] = "prediction_request",
                    ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
                    ["source"] = "log-volume-test",
                    ["data"] = new JsonObject { ["features"] = host.FeatureArray(i % 50) },
                };
                producer.Produce("ml-pipeline-prediction-requests", new Message<string, string> { Key = id, Value = envelope.ToJsonString() });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var unanswered = WaitForResults(host.BootstrapServers, requestIds.ToHashSet(), TimeSpan.FromSeconds(60));
        var lines = capture.Entries.Skip(linesBefore).ToArray();
        var mentioningARequest = lines.Where(line => requestIds.Any(id => line.Message.Contains(id, StringComparison.Ordinal))).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unanswered, Is.Zero, "every request was served");
            Assert.That(lines, Has.Length.LessThan(50), string.Join("\n", lines.Take(20).Select(line => $"{line.Level} {line.Category}: {line.Message}")));
            Assert.That(mentioningARequest, Is.Empty, "no line is about one request");
        }
    }

    /// <summary>The <c>logging:</c> section of config/kafka_config.yaml, as written there.</summary>
    private static string ShippedLoggingSection()
    {
        var lines = File.ReadAllLines(RepositoryPaths.File("config", "kafka_config.yaml"));
        int start = Array.IndexOf(lines, "logging:");
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "the shipped config has a logging: section");
        var section = lines.Skip(start).TakeWhile((line, index) => index == 0 || line.Length == 0 || line[0] is ' ' or '#');
        return string.Join("\n", section) + "\n";
    }

    /// <summary>Reads the results topic until every id in <paramref name="pending"/> was answered; returns how many were not.</summary>
    private static int WaitForResults(string bootstrapServers, HashSet<string> pending, TimeSpan timeout)
    {
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(bootstrapServers, UniqueNames.For("log-volume")));
        consumer.Subscribe("ml-pipeline-prediction-results");
        var deadline = DateTime.UtcNow + timeout;
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message.Key: { } key })
                pending.Remove(key);
        }

        consumer.Close();
        return pending.Count;
    }
}
