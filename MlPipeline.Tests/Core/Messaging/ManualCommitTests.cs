using System.Text.Json.Nodes;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// With <c>consumer.enable_auto_commit: false</c> the consumer manager commits handled offsets itself: every
/// <c>max_poll_records</c> messages and whenever the consumer goes idle — not only at rebalance and stop.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ManualCommitTests
{
    private const int WaitMs = 15_000;
    private MessagingTestBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task AutoCommitOff_ConsumerIdle_HandledOffsetsCommittedWhileStillRunning()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(
            _broker, ConsumerTestHarness.FastRetries() with { CommitEvery = 1_000 }, autoCommit: false);
        int handled = 0;
        await harness.SubscribeAsync((_, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; });

        for (int i = 0; i < 5; i++)
            await harness.SendAsync($"k{i}", new JsonObject { ["n"] = i });

        Assert.That(() => harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(5).After(WaitMs, 50));
        Assert.That(Volatile.Read(ref handled), Is.EqualTo(5));
    }

    [Test]
    public async Task AutoCommitOff_CommitEveryReached_CommitsWhileTheNextHandlerIsStillBusy()
    {
        await using var harness = await ConsumerTestHarness.CreateAsync(
            _broker, ConsumerTestHarness.FastRetries() with { CommitEvery = 3 }, autoCommit: false);
        // Everything is produced before the consumer starts, so it never waits for data (an idle commit could
        // otherwise commit the fourth message too).
        for (int i = 0; i < 8; i++)
            await harness.SendAsync($"k{i}", new JsonObject { ["n"] = i });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        await harness.SubscribeAsync(async (_, cancellationToken) =>
        {
            // The fifth message blocks, so the consumer is never idle: only the count can trigger a commit.
            if (Interlocked.Increment(ref started) == 5)
                await gate.Task.WaitAsync(cancellationToken);
        });

        Assert.That(() => Volatile.Read(ref started), Is.EqualTo(5).After(WaitMs, 20));
        long committedWhileBusy = await harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic);
        gate.SetResult();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(committedWhileBusy, Is.EqualTo(3), "three handled messages reach CommitEvery; the fourth is stored, not yet committed");
            Assert.That(() => harness.Broker.CommittedOffsetAsync(harness.GroupId, harness.Topic), Is.EqualTo(8).After(WaitMs, 50));
        }
    }
}
