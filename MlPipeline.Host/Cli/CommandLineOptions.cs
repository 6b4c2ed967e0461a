using System.CommandLine;

namespace MlPipeline.Host.Cli;

/// <summary>Options every verb understands, declared once on the root command and inherited (recursive).</summary>
public sealed class CommandLineOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = $"Configuration file. Default: ${PipelineApplication.ConfigPathVariable}, else {PipelineApplication.DefaultConfigPath} " +
                      "in the working directory, else next to the executable.",
        HelpName = "path",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Write the Kafka client's log lines to stderr.",
        Recursive = true,
    };
}

/// <summary>Shared state every verb group is built from.</summary>
/// <param name="Console">Where output goes and the environment overrides come from.</param>
/// <param name="Options">The inherited options, to read their values from a parse result.</param>
public sealed record CommandLineContext(CommandLineConsole Console, CommandLineOptions Options);
