using System.Net;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Monitoring;
using MlPipeline.Tests.Host;

namespace MlPipeline.Tests.Host.Monitoring;

/// <summary>
/// Issue 14, Done-when 1: <c>/api/status</c> hammered by many callers on the embedded broker. Each request used to read
/// consumer lag through librdkafka's admin API itself, and concurrent timed-out admin calls aborted the process.
/// </summary>
[NonParallelizable]
public sealed class StatusUnderConcurrentCallersTests
{
    private const int Callers = 128;
    private static readonly TimeSpan HammerFor = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Status_128CallersFor30Seconds_EveryCallAnswersAndBrokerAdminCallsFollowIntervalsNotRequests()
    {
        await using var host = await PipelineHostRunner.StartAsync("monitoring:\n  status_interval_seconds: 1\n");
        var collector = host.Service<KafkaStatusCollector>();
        var gate = host.Service<KafkaAdminGate>();
        // The first collection is there before the hammering starts, so every call reads a real snapshot.
        Assert.That(() => host.Service<KafkaStatusSnapshots>().Current, Is.Not.Null.After(30_000, 100));

        using var client = new HttpClient { BaseAddress = host.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        long answered = 0, failed = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(HammerFor);
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/api/status", CancellationToken.None);
                    await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref answered);
                    else
                    {
                        Interlocked.Increment(ref failed);
                        failures.Enqueue($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    failures.Enqueue(exception.Message);
                }
            }
        })).ToArray();
        await Task.WhenAll(callers);

        long collections = collector.Collections;
        long turns = gate.TurnsTaken(KafkaHealthChecker.GatePurpose);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failed, Is.Zero, string.Join("; ", failures.Take(5)));
            Assert.That(answered, Is.GreaterThan(Callers), "every caller got at least one answer");
            // A collection counts itself just before it takes its turn, so one may be counted and not yet inside.
            Assert.That(turns, Is.InRange(collections - 1, collections), "status admin turns are the collector's, one per interval");
            // About one collection a second (plus start-up's), however many requests were answered.
            Assert.That(collections, Is.LessThanOrEqualTo((long)HammerFor.TotalSeconds * 2 + 30));
            Assert.That(answered, Is.GreaterThan(collections * 5), "requests outnumber broker round trips");
            Assert.That(gate.MostAtOnce, Is.EqualTo(1), "admin calls never overlapped");
        }

        using var status = await client.GetAsync("/api/status");
        Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the host still answers after the hammering");
        using var json = System.Text.Json.JsonDocument.Parse(await status.Content.ReadAsStringAsync());
        var policy = json.RootElement.GetProperty("load_policy");
        var collection = json.RootElement.GetProperty("kafka_collection");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(policy.GetProperty("load_shedding").GetBoolean(), Is.True);
            Assert.That(policy.GetProperty("max_waiting_http_predictions").GetInt32(), Is.EqualTo(256));
            Assert.That(collection.GetProperty("interval_seconds").GetDouble(), Is.EqualTo(1));
            Assert.That(collection.GetProperty("collections").GetInt64(), Is.GreaterThan(0));
        }
    }
}
