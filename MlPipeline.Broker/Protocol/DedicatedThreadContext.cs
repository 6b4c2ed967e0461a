using System.Collections.Concurrent;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Runs an async body on a thread of its own: the body starts there, and every <c>await</c> in it (one without
/// <c>ConfigureAwait(false)</c>) resumes there, through this synchronization context. The embedded broker serves each
/// connection this way, with blocking socket calls (<see cref="BlockingSocketStream"/>), so nothing it does waits for a
/// thread-pool thread: a host whose pool is flooded by batch work (an upload's thousands of delivery continuations)
/// cannot starve the broker, which would in turn stall every client of the host (issue 22).
/// </summary>
internal sealed class DedicatedThreadContext : SynchronizationContext
{
    // Connection loops use little stack; a thread per connection should not reserve the default 8 MiB each.
    private const int StackBytes = 1024 * 1024;

    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> queue = new();

    /// <summary>Starts <paramref name="body"/> on a new background thread; the task ends when the body has.</summary>
    public static Task Run(Func<Task> body, string threadName)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => RunOnThisThread(body, finished), StackBytes) { IsBackground = true, Name = threadName };
        thread.Start();
        return finished.Task;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            queue.Add((d, state));
        }
        catch (InvalidOperationException)
        {
            // The body has ended: a late continuation (a cancellation callback) still has to run somewhere.
            ThreadPool.UnsafeQueueUserWorkItem(static item => item.Callback(item.State), (Callback: d, State: state), preferLocal: false);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The broker's connection threads only take posted work.");

    public override SynchronizationContext CreateCopy() => this;

    private static void RunOnThisThread(Func<Task> body, TaskCompletionSource finished)
    {
        var context = new DedicatedThreadContext();
        SetSynchronizationContext(context);
        Task task;
        try
        {
            task = body();
        }
        catch (Exception exception)
        {
            task = Task.FromException(exception);
        }

        task.ContinueWith(
            static (_, state) => ((DedicatedThreadContext)state!).queue.CompleteAdding(),
            context,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        foreach (var (callback, state) in context.queue.GetConsumingEnumerable())
        {
            callback(state);
        }

        if (task.IsFaulted) finished.TrySetException(task.Exception!.InnerExceptions);
        else if (task.IsCanceled) finished.TrySetCanceled();
        else finished.TrySetResult();
    }
}
