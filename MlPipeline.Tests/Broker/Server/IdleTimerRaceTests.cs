using Microsoft.Extensions.Time.Testing;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// The idle timer's callback runs on a timer thread, concurrently with the connection loop. A callback that fired
/// for one wait (its deadline reached just as a request arrived) must not close the connection during a later wait:
/// the clock below holds the callback inside its clock read while the loop serves a request and starts waiting again.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class IdleTimerRaceTests
{
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);

    [Test]
    public async Task IdleCallbackForAnEarlierWait_FinishingAfterARequestWasServed_DoesNotCloseTheConnection()
    {
        var clock = new HoldingClock(MaxIdle);
        await using var broker = await BrokerServer.StartAsync(
            new BrokerOptions { Host = "127.0.0.1", Port = 0, ConnectionsMaxIdle = MaxIdle }, loggerFactory: null, clock);
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        Assert.That(() => clock.ArmedForIdleLimit, Is.EqualTo(1).After(5_000, 10), "the loop waits for its first request");

        var callbackHeld = clock.AdvanceHoldingTheNextTimerCallbackAsync(MaxIdle); // the deadline passes...
        await callbackHeld; // ...and the idle callback has read the start of this wait, then is held
        int request = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (answer, _) = await connection.ReceiveAsync();
        Assert.That(() => clock.ArmedForIdleLimit, Is.EqualTo(2).After(5_000, 10), "served, and waiting for the next request");
        await clock.ReleaseHeldCallbackAsync();

        int probe = await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });
        var (probeAnswer, _) = await connection.ReceiveAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer, Is.EqualTo(request));
            Assert.That(probeAnswer, Is.EqualTo(probe), "the connection was active, not idle: it still answers");
        }
    }

    /// <summary>
    /// A <see cref="FakeTimeProvider"/> that counts how often a timer is armed for the idle limit and can hold the
    /// next timer callback inside its first clock read (the callback is synchronous, so holding it blocks the
    /// dedicated advancing thread, never a pool thread the broker needs).
    /// </summary>
    private sealed class HoldingClock(TimeSpan idleLimit) : TimeProvider
    {
        private static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(10);
        private readonly FakeTimeProvider _inner = new();
        private readonly SemaphoreSlim _release = new(0);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armedForIdleLimit;
        private int _holdOnThread = -1;
        private Task? _advancing;

        private TimeSpan IdleLimit => idleLimit;

        public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

        public override long TimestampFrequency => _inner.TimestampFrequency;

        public override long GetTimestamp()
        {
            if (Interlocked.CompareExchange(ref _holdOnThread, -1, Environment.CurrentManagedThreadId) == Environment.CurrentManagedThreadId)
            {
                _held.TrySetResult();
                _release.Wait(HoldLimit);
            }
            return _inner.GetTimestamp();
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new CountingTimer(_inner.CreateTimer(callback, state, dueTime, period), this);

        /// <summary>How often a timer was armed for the idle limit: once per wait of the connection loop.</summary>
        public int ArmedForIdleLimit => Volatile.Read(ref _armedForIdleLimit);

        /// <summary>Advances on a thread of its own; completes once a timer callback is held in its clock read.</summary>
        public Task AdvanceHoldingTheNextTimerCallbackAsync(TimeSpan by)
        {
            _advancing = Task.Factory.StartNew(() =>
            {
                Volatile.Write(ref _holdOnThread, Environment.CurrentManagedThreadId);
                _inner.Advance(by);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return _held.Task.WaitAsync(HoldLimit);
        }

        public async Task ReleaseHeldCallbackAsync()
        {
            _release.Release();
            await _advancing!.WaitAsync(HoldLimit);
        }

        private sealed class CountingTimer(ITimer inner, HoldingClock clock) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (dueTime == clock.IdleLimit) Interlocked.Increment(ref clock._armedForIdleLimit);
                return inner.Change(dueTime, period);
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
