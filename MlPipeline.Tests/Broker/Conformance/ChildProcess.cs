using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>What a finished child process left behind.</summary>
public sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything it said, for assertion messages.</summary>
    public string Describe() => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{Tail(StandardError, 4000)}";

    private static string Tail(string text, int characters) => text.Length <= characters ? text : "…" + text[^characters..];
}

/// <summary>
/// Runs another program to completion with a hard time limit (its whole process tree is killed when the
/// limit passes, so a hung client fails the test instead of hanging the run). A program that cannot be
/// started throws with the reason: a missing client is a test failure, never a skip.
/// </summary>
public static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        // The handlers run on pool threads; each builder has one writer, read only after the process exited.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"cannot start '{fileName}' ({ex.Message}); run scripts/install-test-deps.sh", ex);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' did not finish within {timeout}:\n{new ChildProcessResult(-1, stdout.ToString(), stderr.ToString()).Describe()}");
        }
        // WaitForExitAsync also waits for both redirected streams to reach end of file, so the builders are complete.
        return new ChildProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
