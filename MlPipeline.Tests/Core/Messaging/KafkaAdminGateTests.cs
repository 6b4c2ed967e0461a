using MlPipeline.Core.Messaging.Administration;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaAdminGateTests
{
    [Test]
    public async Task RunAsync_ManyConcurrentCallers_TurnsNeverOverlap()
    {
        using var gate = new KafkaAdminGate();
        int inside = 0, mostInside = 0;
        var calls = Enumerable.Range(0, 50).Select(_ => gate.RunAsync("test", async turn =>
        {
            int now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostInside, now);
            await turn.BlockingAsync(() => Thread.Yield());
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            return true;
        }, TimeSpan.FromSeconds(30), CancellationToken.None));
        await Task.WhenAll(calls);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(mostInside, Is.EqualTo(1));
            Assert.That(gate.MostAtOnce, Is.EqualTo(1));
            Assert.That(gate.TurnsTaken("test"), Is.EqualTo(50));
        }
    }

    [Test]
    public async Task RunAsync_CallerGivesUpAtItsDeadline_NextTurnWaitsUntilTheAbandonedWorkEnds()
    {
        using var gate = new KafkaAdminGate();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = gate.RunAsync("slow", async _ =>
        {
            await release.Task;
            return 1;
        }, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.That(async () => await first, Throws.TypeOf<TimeoutException>());

        bool secondStarted = false;
        var second = gate.RunAsync("next", _ =>
        {
            secondStarted = true;
            return Task.FromResult(2);
        }, TimeSpan.FromSeconds(30), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Volatile.Read(ref secondStarted), Is.False, "a timed-out turn still holds the gate");
            Assert.That(second.IsCompleted, Is.False);
        }

        release.SetResult();
        Assert.That(await second, Is.EqualTo(2));
    }

    [Test]
    public void RunAsync_GateHeldLongerThanTheTurnWait_ThrowsTimeoutNamingThePurpose()
    {
        using var gate = new KafkaAdminGate(TimeSpan.FromMilliseconds(50));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = gate.RunAsync("holder", async _ =>
        {
            await release.Task;
            return 0;
        }, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.That(
            async () => await gate.RunAsync("waiter", _ => Task.FromResult(0), TimeSpan.FromSeconds(30), CancellationToken.None),
            Throws.TypeOf<TimeoutException>().With.Message.Contains("waiter"));
        release.SetResult();
    }

    [Test]
    public async Task BlockingAsync_RunsOnTheGatesOwnThread_NotAThreadPoolThread()
    {
        using var gate = new KafkaAdminGate();
        var (isPoolThread, name) = await gate.RunBlockingAsync(
            "where", () => (Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name), TimeSpan.FromSeconds(30), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(isPoolThread, Is.False);
            Assert.That(name, Is.EqualTo("kafka-admin-gate"));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
