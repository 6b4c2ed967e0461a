using System.Collections.Concurrent;

namespace MlPipeline.Core.Messaging.Administration;

/// <summary>
/// The one door every librdkafka admin operation of the process goes through (metadata, offsets, group descriptions,
/// watermarks, topic creation): one turn at a time. librdkafka aborts the whole process
/// (<c>rd_kafka_enq_once_del_source_return: Assertion 'eonce->refcnt > 0'</c>) when admin requests on a handle time
/// out while others are queued behind them — exactly what concurrent <c>/api/status</c> calls used to do. A turn ends
/// when its work ends, not when its caller stops waiting: a caller that gives up after its deadline gets a
/// <see cref="TimeoutException"/>, but the next turn still starts only after librdkafka returned from the last one.
/// Blocking calls (<c>GetMetadata</c>, <c>QueryWatermarkOffsets</c>) run on the gate's own thread, never on the thread
/// pool the HTTP server and the embedded broker need.
/// </summary>
public sealed class KafkaAdminGate : IDisposable
{
    /// <summary>How long a caller waits for its turn before it is told the gate is busy. <value>Default 30 s.</value></summary>
    public static readonly TimeSpan DefaultWaitForTurn = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly BlockingCollection<Action> blockingCalls = new();
    private readonly Thread worker;
    private readonly TimeSpan waitForTurn;
    // purpose => turns taken; read by /api/status's tests to prove requests do not cause broker calls
    private readonly ConcurrentDictionary<string, long> turnsTaken = new(StringComparer.Ordinal);
    private int inside;
    private int mostAtOnce;
    private int disposed;

    public KafkaAdminGate()
        : this(DefaultWaitForTurn)
    {
    }

    public KafkaAdminGate(TimeSpan waitForTurn)
    {
        this.waitForTurn = waitForTurn;
        worker = new Thread(RunBlockingCalls) { IsBackground = true, Name = "kafka-admin-gate" };
        worker.Start();
    }

    /// <summary>Turns taken so far for <paramref name="purpose"/>.</summary>
    public long TurnsTaken(string purpose) => turnsTaken.TryGetValue(purpose, out var count) ? count : 0;

    /// <summary>The most turns ever running at once: 1 unless the gate is broken.</summary>
    public int MostAtOnce => Volatile.Read(ref mostAtOnce);

    /// <summary>
    /// Runs <paramref name="work"/> in a turn of its own. Waits up to the gate's turn wait for the turn, then up to
    /// <paramref name="deadline"/> for the work; either wait running out throws <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(string purpose, Func<KafkaAdminTurn, Task<T>> work, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) == 1, this);
        if (!await turn.WaitAsync(waitForTurn, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"Kafka admin operation '{purpose}' waited {waitForTurn.TotalSeconds:0.#} s for its turn; an earlier one is still running");
        }

        Task<T> running;
        try
        {
            turnsTaken.AddOrUpdate(purpose, 1, static (_, count) => count + 1);
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostAtOnce, now);
            running = Task.Run(() => work(new KafkaAdminTurn(this)), CancellationToken.None);
        }
        catch
        {
            Interlocked.Decrement(ref inside);
            turn.Release();
            throw;
        }

        // Released by the work's end, whatever the caller does meanwhile (see the class comment).
        _ = running.ContinueWith(
            _ =>
            {
                Interlocked.Decrement(ref inside);
                turn.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        try
        {
            return await running.WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Kafka admin operation '{purpose}' did not finish within {deadline.TotalSeconds:0.#} s");
        }
    }

    /// <summary>A turn holding a single blocking call.</summary>
    public Task<T> RunBlockingAsync<T>(string purpose, Func<T> call, TimeSpan deadline, CancellationToken cancellationToken) =>
        RunAsync(purpose, turn => turn.BlockingAsync(call), deadline, cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        blockingCalls.CompleteAdding();
        // A call stuck in librdkafka cannot be interrupted; its thread is a background one and ends with the process.
        worker.Join(TimeSpan.FromSeconds(5));
    }

    internal Task<T> QueueBlocking<T>(Func<T> call)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            blockingCalls.Add(() =>
            {
                try
                {
                    result.TrySetResult(call());
                }
                catch (Exception exception)
                {
                    result.TrySetException(exception);
                }
            });
        }
        catch (InvalidOperationException)
        {
            result.TrySetException(new ObjectDisposedException(nameof(KafkaAdminGate)));
        }

        return result.Task;
    }

    private void RunBlockingCalls()
    {
        foreach (var call in blockingCalls.GetConsumingEnumerable())
        {
            call();
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

/// <summary>The holder of a turn of <see cref="KafkaAdminGate"/>: blocking calls of the turn go through it.</summary>
public sealed class KafkaAdminTurn
{
    private readonly KafkaAdminGate gate;

    internal KafkaAdminTurn(KafkaAdminGate gate) => this.gate = gate;

    /// <summary>Runs a blocking librdkafka call on the gate's own thread.</summary>
    public Task<T> BlockingAsync<T>(Func<T> call) => gate.QueueBlocking(call);
}
