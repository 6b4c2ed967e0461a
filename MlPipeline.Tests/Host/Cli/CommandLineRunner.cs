using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary>What one in-process command-line invocation returned and printed.</summary>
public sealed record CommandLineOutcome(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}--- stderr\n{Error}";
}

/// <summary>
/// Runs <see cref="MlPipelineCommandLine"/> in process against a configuration file written for the test (in a
/// temporary directory deleted on dispose), with an empty environment unless the test gives one.
/// </summary>
public sealed class CommandLineRunner : IDisposable
{
    private readonly TemporaryDirectory _directory = new("cli");

    public CommandLineRunner(string yaml)
    {
        ConfigPath = Path.Combine(_directory.Path, "kafka_config.yaml");
        File.WriteAllText(ConfigPath, yaml.Replace("{dir}", _directory.Path, StringComparison.Ordinal));
    }

    public string ConfigPath { get; }

    public string DirectoryPath => _directory.Path;

    /// <summary>A configuration that reaches <paramref name="bootstrapServers"/> as an external cluster.</summary>
    public static CommandLineRunner External(string bootstrapServers, int timeoutSeconds = 5) =>
        new($"kafka:\n  bootstrap_servers: \"{bootstrapServers}\"\nbroker:\n  mode: external\n  startup_timeout_seconds: {timeoutSeconds}\n");

    /// <summary>Runs the verb with <c>--config</c> pointing at this runner's file.</summary>
    public Task<CommandLineOutcome> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string?>(), args);

    public Task<CommandLineOutcome> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        InvokeAsync([.. args, "--config", ConfigPath], environment);

    /// <summary>Runs exactly <paramref name="args"/> (no configuration added).</summary>
    public static async Task<CommandLineOutcome> InvokeAsync(string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CommandLineConsole(output, error, environment ?? new Dictionary<string, string?>());
        int exitCode = await MlPipelineCommandLine.InvokeAsync(args, console);
        return new CommandLineOutcome(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose() => _directory.Dispose();
}
