using System.Diagnostics;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// The stand-alone broker (<c>dotnet MlPipeline.Broker.dll --port 0 …</c>) as a child process, so a test can
/// SIGKILL it: no finalizer, no flush, no dispose runs — exactly what a crash or the OOM killer does.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private const string ListeningPrefix = "Listening on ";
    private const int KeptLogLines = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    // The broker logs at Information to stderr; it is drained continuously (a full pipe would block the
    // broker) and the last lines are kept for failure messages. Written by the reader thread only.
    private readonly Queue<string> _recentLog = new();

    private BrokerProcess(Process process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>"host:port" the process printed once its listener was bound.</summary>
    public string BootstrapServers { get; private set; }

    /// <summary>Starts the broker on a free port and waits for its "Listening on host:port" line.</summary>
    public static async Task<BrokerProcess> StartAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        string dll = BrokerDll();
        // The SDK sets DOTNET_HOST_PATH for `dotnet test`; outside it, `dotnet` from PATH.
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.ArgumentList.Add("--port");
        startInfo.ArgumentList.Add("0");
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("the broker process did not start");
        var broker = new BrokerProcess(process, bootstrapServers: "");
        process.ErrorDataReceived += (_, e) => broker.Remember(e.Data);
        process.BeginErrorReadLine();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(StartTimeout);
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(limit.Token)
                    ?? throw new InvalidOperationException($"the broker exited before listening:\n{broker.RecentLog}");
                if (!line.StartsWith(ListeningPrefix, StringComparison.Ordinal)) continue;
                broker.BootstrapServers = line[ListeningPrefix.Length..].Trim();
                return broker;
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The broker's own build output, in the same configuration as the tests (the test project references it,
    /// so it is built first). Not the copy next to the test assembly: that folder resolves packages against
    /// the test project's shared frameworks (ASP.NET Core supplies Microsoft.Extensions.*), so the broker
    /// started from there cannot find them.
    /// </summary>
    private static string BrokerDll()
    {
        // E.g. <repo>/MlPipeline.Tests/bin/Release/net10.0 → <repo>/MlPipeline.Broker/bin/Release/net10.0
        string testOutput = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        string tfm = Path.GetFileName(testOutput);
        string configuration = Path.GetFileName(Path.GetDirectoryName(testOutput)!);
        string repository = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(testOutput)!)!)!)!;
        string dll = Path.Combine(repository, "MlPipeline.Broker", "bin", configuration, tfm, "MlPipeline.Broker.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the broker's {configuration} build is missing", dll);
    }

    /// <summary>The broker's last log lines, for assertion messages.</summary>
    public string RecentLog
    {
        get
        {
            lock (_recentLog) return string.Join('\n', _recentLog);
        }
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix), then waits until the process is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync(CancellationToken.None);
        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_recentLog)
        {
            _recentLog.Enqueue(line);
            if (_recentLog.Count > KeptLogLines) _recentLog.Dequeue();
        }
    }
}
