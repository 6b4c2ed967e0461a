using System.Runtime.InteropServices;
using System.Text.Json;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Operations;

/// <summary><c>logging.format</c> seen on the host process's real stdout.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class LogFormatProcessTests
{
    [Test]
    public async Task FormatJson_EveryStdoutLineIsOneJsonObjectWithLevelCategoryAndMessage()
    {
        using var directory = new TemporaryDirectory("log-json");
        string config = Path.Combine(directory.Path, "kafka_config.yaml");
        await File.WriteAllTextAsync(config,
            $"broker:\n  port: 0\n  data_dir: \"{Path.Combine(directory.Path, "broker")}\"\n  startup_timeout_seconds: 5\n" +
            "http:\n  host: 127.0.0.1\n  port: 0\ndata:\n  ingest_sample_on_first_start: false\nservice:\n  shutdown_timeout_seconds: 5\n" +
            "logging:\n  format: json\n");

        using var host = ChildProcess.StartHost(["serve", "--config", config], workingDirectory: directory.Path);
        await host.WaitForLineAsync(line => line.Contains("Now listening on: ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await host.SignalAsync(PosixSignal.SIGTERM);
        int exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var lines = host.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, host.StandardError);
            Assert.That(entries, Has.Length.GreaterThanOrEqualTo(3), "start-up and stop were logged");
            Assert.That(entries.Select(entry => entry.ValueKind), Has.All.EqualTo(JsonValueKind.Object));
            Assert.That(entries.Where(entry => !entry.TryGetProperty("LogLevel", out _) || !entry.TryGetProperty("Category", out _) || !entry.TryGetProperty("Message", out _)),
                Is.Empty, "every line carries level, category and message");
            Assert.That(entries.Select(entry => entry.GetProperty("Message").GetString()), Has.Some.StartsWith("Now listening on: "));
        }
    }
}
