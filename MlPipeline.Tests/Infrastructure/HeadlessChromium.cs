using System.Diagnostics;

namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c> (installed by scripts/install-test-deps.sh) in headless mode: loads a page, lets its scripts
/// run for a virtual-time budget, then prints the DOM or saves a screenshot. Each run has its own profile directory,
/// deleted afterwards, and no network beyond the page's own host.
/// </summary>
internal static class HeadlessChromium
{
    private const string Executable = "chromium";

    public static Task<string> DumpDomAsync(Uri page, TimeSpan scriptBudget, CancellationToken cancellationToken) =>
        RunAsync(page, scriptBudget, ["--dump-dom"], cancellationToken);

    public static async Task SaveScreenshotAsync(Uri page, string path, TimeSpan scriptBudget, CancellationToken cancellationToken) =>
        await RunAsync(page, scriptBudget, [$"--screenshot={path}", "--window-size=1280,900", "--hide-scrollbars"], cancellationToken);

    private static async Task<string> RunAsync(Uri page, TimeSpan scriptBudget, string[] action, CancellationToken cancellationToken)
    {
        using var profile = new TemporaryDirectory();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--mute-audio",
                     $"--user-data-dir={profile.Path}",
                     $"--virtual-time-budget={(int)scriptBudget.TotalMilliseconds}",
                 }.Concat(action).Append(page.ToString()))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        // Chromium logs freely to stderr; it is read so the pipe never fills, and shown only on failure.
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {await errors}");
        }

        return await output;
    }
}
