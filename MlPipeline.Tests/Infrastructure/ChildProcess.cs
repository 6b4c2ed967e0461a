using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// A child process (the host, a script) with its output collected line by line, so a test can await a line
/// matching a pattern, send it a signal, and read everything it printed. Disposing kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly ConcurrentQueue<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = new();
    private readonly Lock _gate = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string StandardOutput { get { lock (_gate) return _stdout.ToString(); } }

    public string StandardError { get { lock (_gate) return _stderr.ToString(); } }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="args"/>; <paramref name="environment"/> adds or replaces variables.</summary>
    public static ChildProcess Start(
        string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) info.Environment[name] = value;
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, line) => child.OnLine(line.Data, child._stdout);
        process.ErrorDataReceived += (_, line) => child.OnLine(line.Data, child._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs the host executable (<c>dotnet MlPipeline.Host.dll args…</c>).</summary>
    public static ChildProcess StartHost(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        Start("dotnet", [RepositoryPaths.HostAssembly(), .. args], environment, workingDirectory);

    /// <summary>The first stdout line (already printed or still to come) for which <paramref name="match"/> is true.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _stdout.ToString().Split('\n').FirstOrDefault(line => match(line.TrimEnd('\r')));
            if (existing is not null)
                return Task.FromResult(existing);
            _waiters.Enqueue((match, found));
        }

        return found.Task.WaitAsync(timeout);
    }

    public async Task SignalAsync(System.Runtime.InteropServices.PosixSignal signal)
    {
        // SIGTERM is what systemd sends on stop; .NET has no managed API to send it to another process.
        int number = signal switch
        {
            System.Runtime.InteropServices.PosixSignal.SIGTERM => 15,
            System.Runtime.InteropServices.PosixSignal.SIGINT => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "only SIGTERM and SIGINT"),
        };
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{number}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end; returns its exit code, or throws <see cref="TimeoutException"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void OnLine(string? line, StringBuilder target)
    {
        if (line is null) return;
        lock (_gate)
        {
            target.AppendLine(line);
            if (target != _stdout) return;
            int count = _waiters.Count;
            for (int i = 0; i < count && _waiters.TryDequeue(out var waiter); i++)
            {
                if (waiter.Match(line)) waiter.Found.TrySetResult(line);
                else _waiters.Enqueue(waiter);
            }
        }
    }
}
