using System.Runtime.InteropServices;

namespace MlPipeline.Core.Training;

/// <summary>
/// Runs CPU-heavy batch work (a model fit takes seconds of full CPU) on a thread of its own at lower OS priority, so on
/// a small machine serving, HTTP and the embedded broker get the cores first (issue 22: latency before batch work).
/// Not on the thread pool, where a long fit would also hold a pool thread the latency-sensitive paths need.
/// On Linux the thread's nice value is raised (any user may lower its own threads' priority); elsewhere
/// <see cref="ThreadPriority.BelowNormal"/> is used.
/// </summary>
public static class LowPriorityThread
{
    /// <summary>The nice value batch threads run at on Linux (0 is normal, 19 the lowest).</summary>
    public const int LinuxNice = 10;

    private const int PrioProcess = 0;

    public static Task<T> Run<T>(Func<T> work, string name)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerThisThreadsPriority();
            try
            {
                result.TrySetResult(work());
            }
            catch (OperationCanceledException exception)
            {
                result.TrySetCanceled(exception.CancellationToken);
            }
            catch (Exception exception)
            {
                result.TrySetException(exception);
            }
        }) { IsBackground = true, Name = name };
        if (!OperatingSystem.IsLinux())
        {
            thread.Priority = ThreadPriority.BelowNormal;
        }

        thread.Start();
        return result.Task;
    }

    /// <summary>The calling thread's nice value on Linux (for tests); null elsewhere.</summary>
    public static int? CurrentThreadNice() =>
        OperatingSystem.IsLinux() ? GetPriority(PrioProcess, GetThreadId()) : null;

    private static void LowerThisThreadsPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            // Per thread on Linux: "who" is the kernel thread id. A failure leaves normal priority; nothing else changes.
            _ = SetPriority(PrioProcess, GetThreadId(), LinuxNice);
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, int who);
}
