using System.Diagnostics;
using System.Globalization;

namespace MlPipeline.Benchmarks.Soak;

/// <summary>
/// MlPipeline.Host.dll as its own process, as an operator runs it: the load generator lives in another process, so a
/// freeze of the host is a freeze of the host, not of whoever measures it. HTTP and the embedded broker bind port 0;
/// their addresses are read from the host's own start-up lines.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private const string HttpMarker = "Now listening on: ";
    private const string BrokerMarker = "Broker listening on ";

    private readonly Process _process;
    private readonly List<string> _errorLines = [];
    private readonly Lock _lines = new();

    private HostProcess(Process process, string httpAddress, string bootstrapServers)
    {
        _process = process;
        HttpAddress = httpAddress;
        BootstrapServers = bootstrapServers;
    }

    public string HttpAddress { get; }

    public string BootstrapServers { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The last lines the host wrote to stderr (an abort message from native code lands there).</summary>
    public IReadOnlyList<string> ErrorTail
    {
        get { lock (_lines) return _errorLines.TakeLast(20).ToList(); }
    }

    /// <param name="hostAssembly">MlPipeline.Host.dll of a build (its runtimeconfig loads the ASP.NET Core framework).</param>
    public static async Task<HostProcess> StartAsync(string hostAssembly, string configPath, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(hostAssembly);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(configPath);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        info.Environment["Logging__LogLevel__MlPipeline.Broker.BrokerServer"] = "Information";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var http = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var broker = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new List<string>();
        var errorsLock = new Lock();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not { } text) return;
            if (After(text, HttpMarker) is { } address) http.TrySetResult(address);
            if (After(text, BrokerMarker) is { } servers) broker.TrySetResult(servers.Split(',', ' ')[0]);
            if (text.Contains("fail:", StringComparison.Ordinal) || text.Contains("crit:", StringComparison.Ordinal))
                lock (errorsLock) errors.Add(text);
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text) lock (errorsLock) errors.Add(text);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync(cancellationToken);
            var ready = Task.WhenAll(http.Task, broker.Task);
            if (await Task.WhenAny(ready, exited).WaitAsync(startTimeout, cancellationToken) != ready)
                throw new InvalidOperationException($"the host exited during start-up (code {process.ExitCode}): {string.Join('\n', errors)}");
            var host = new HostProcess(process, (await http.Task).TrimEnd('/'), await broker.Task);
            process.ErrorDataReceived += (_, line) => { if (line.Data is { } text) lock (host._lines) host._errorLines.Add(text); };
            lock (errorsLock) lock (host._lines) host._errorLines.AddRange(errors);
            return host;
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Resident memory, open file descriptors and threads of the host, read from /proc (Linux).</summary>
    public ProcessSample Sample()
    {
        long rssKiB = 0;
        int threads = 0;
        string status = $"/proc/{_process.Id}/status";
        if (File.Exists(status))
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rssKiB = ParseNumber(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)ParseNumber(line);
            }
        }
        string fds = $"/proc/{_process.Id}/fd";
        int handles = Directory.Exists(fds) ? Directory.EnumerateFileSystemEntries(fds).Count() : 0;
        return new ProcessSample(rssKiB / 1024.0, handles, threads);
    }

    /// <summary>Asks the host to stop (SIGTERM, as systemd does) and waits for it, killing it after the timeout.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-15", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    /// <summary>The host's build output next to this assembly's (Benchmarks and Tests both reference the host project).</summary>
    public static string DefaultHostAssembly()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "MlPipeline.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"MlPipeline.Host.dll not found next to {AppContext.BaseDirectory}; build the solution first", path);
    }

    private static string? After(string text, string marker)
    {
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : text[(at + marker.Length)..].Trim();
    }

    private static long ParseNumber(string line) =>
        long.Parse(new string(line.Where(char.IsDigit).ToArray()), CultureInfo.InvariantCulture);
}

/// <summary>What the host process holds at one moment.</summary>
public sealed record ProcessSample(double RssMiB, int OpenHandles, int Threads);
