using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>A subscription that fetches ahead still handles in order, one at a time, and commits exactly what it handled.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConsumerPrefetchTests
{
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task Prefetch_HandlesEveryMessageInOrderOneAtATimeAndCommitsThemAll()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(broker);
        var sent = new List<string>();
        for (var n = 0; n < 40; n++)
        {
            sent.Add((await harness.SendAsync("k", new JsonObject { ["n"] = n })).MessageId);
        }

        var handled = new ConcurrentQueue<string>();
        var concurrent = 0;
        var maxConcurrent = 0;
        var subscription = await harness.Consumers.StartAsync([harness.Topic], harness.GroupId, async (message, _) =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            await Task.Yield();
            handled.Enqueue(message.Envelope.MessageId);
            Interlocked.Decrement(ref concurrent);
        }, prefetch: 8, CancellationToken.None);

        Assert.That(() => handled, Has.Count.EqualTo(sent.Count).After(20_000, 20));
        await subscription.StopAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(handled, Is.EqualTo(sent));
            Assert.That(maxConcurrent, Is.EqualTo(1));
            Assert.That(await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(sent.Count));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
