using System.Diagnostics;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// The stand-alone broker (MlPipeline.Broker.dll, copied next to the tests) run as a child process. Its
/// stdout is read for the "Listening on host:port" line; stderr (logs) goes to NUnit's progress output.
/// Disposing kills it (SIGKILL) if it is still running.
/// </summary>
internal sealed class BrokerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(Process process) => _process = process;

    public string BootstrapServers { get; private set; } = "";

    /// <summary>The broker's process id (for reading its memory from /proc).</summary>
    public int ProcessId => _process.Id;

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BrokerAssemblyPath());
        foreach (string arg in args) info.ArgumentList.Add(arg);
        return info;
    }

    /// <summary>
    /// The broker's own build output (MlPipeline.Broker/bin/&lt;config&gt;/&lt;tfm&gt;), not the copy next to the
    /// tests: the test folder's deps.json resolves Microsoft.Extensions.* from the ASP.NET Core shared
    /// framework, which the broker's runtimeconfig does not load.
    /// </summary>
    private static string BrokerAssemblyPath()
    {
        var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = tfmDirectory.Parent!.Name;
        string solutionDirectory = tfmDirectory.Parent.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(solutionDirectory, "MlPipeline.Broker", "bin", configuration, tfmDirectory.Name, "MlPipeline.Broker.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build MlPipeline.Broker first; expected {path}", path);
    }

    /// <summary>Starts the broker and waits for its "Listening on" line.</summary>
    public static async Task<BrokerProcess> StartAsync(params string[] args)
    {
        var process = Process.Start(StartInfo(args)) ?? throw new InvalidOperationException("dotnet did not start");
        var broker = new BrokerProcess(process);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("Listening on ", StringComparison.Ordinal) == true)
                broker._listening.TrySetResult(line.Data["Listening on ".Length..]);
        };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) TestContext.Progress.WriteLine($"[broker process] {line.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            broker.BootstrapServers = await broker._listening.Task.WaitAsync(StartTimeout);
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no flush, no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
