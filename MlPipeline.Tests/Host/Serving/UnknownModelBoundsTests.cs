using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Serving;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// Callers choose the model names they send: 100,000 predictions naming random unknown models, through the real
/// host's request handler (the path every request from the API or Kafka takes), must leave managed memory, per-model
/// figures, /metrics and /api/status within a fixed bound.
/// </summary>
[NonParallelizable] // measures the process's managed heap: no other test may allocate meanwhile
public sealed class UnknownModelBoundsTests
{
    private const int Predictions = 100_000;

    [Test]
    public async Task HundredThousandPredictionsNamingRandomUnknownModels_LeaveMemoryAndMetricsBounded()
    {
        // Many results in flight at once: this test measures state, not the producer's pace.
        await using var host = await PipelineHostRunner.StartAsync("serving:\n  batch_size: 20000\nproducer:\n  linger_ms: 20\n");
        var handler = host.Service<PredictionRequestHandler>();
        var publisher = host.Service<PredictionResultPublisher>();
        var messages = host.Service<KafkaMessageFactory>();
        var random = new Random(12);

        async Task PredictAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var request = messages.Create(MessageType.PredictionRequest, "test", new JsonObject
                {
                    ["features"] = new JsonArray(1, 2, 3),
                    ["model"] = $"made-up-{random.NextInt64():x}",
                });
                await handler.HandleAsync(Consumed(request), CancellationToken.None);
            }

            await publisher.DrainAsync(CancellationToken.None);
        }

        // The first half settles every bounded structure (result cache, producer buffers); the second must not grow them.
        var clock = Stopwatch.StartNew();
        await PredictAsync(Predictions / 2);
        var memoryAtHalf = GC.GetTotalMemory(forceFullCollection: true);
        var metricsAtHalf = (await host.Client.GetStringAsync("/metrics")).Length;
        await PredictAsync(Predictions / 2);
        var memoryAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        var metrics = await host.Client.GetStringAsync("/metrics");
        var status = await host.Client.GetStringAsync("/api/status");
        var predictions = host.Service<PredictionStatistics>().Snapshot();
        TestContext.Progress.WriteLine(
            $"{Predictions} predictions in {clock.Elapsed.TotalSeconds:0.0} s; managed heap {memoryAtHalf / 1e6:0.0} -> {memoryAtEnd / 1e6:0.0} MB; "
            + $"/metrics {metricsAtHalf} -> {metrics.Length} chars; /api/status {status.Length} chars");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(predictions.Select(p => p.Model), Is.EqualTo(new[] { PredictionObservation.UnknownModel }));
            Assert.That(predictions.Single().Total, Is.EqualTo(Predictions));
            Assert.That(metrics, Does.Not.Contain("made-up-"));
            Assert.That(status, Does.Not.Contain("made-up-"));
            Assert.That(metrics.Length, Is.LessThan(metricsAtHalf + 2_000), "/metrics did not grow with the second 50,000 names");
            Assert.That(memoryAtEnd - memoryAtHalf, Is.LessThan(32L * 1024 * 1024),
                "the second 50,000 names left less than 32 MB (each used to cost a series and 8 KB of latency samples)");
        }
    }

    private static ConsumedMessage Consumed(KafkaMessage request) =>
        new(
            new ConsumeResult<byte[]?, byte[]?>
            {
                Message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(request.MessageId), Value = [], Headers = [] },
                TopicPartitionOffset = new TopicPartitionOffset("requests", 0, 0),
            },
            request);
}
