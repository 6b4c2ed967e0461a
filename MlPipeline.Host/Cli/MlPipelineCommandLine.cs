using System.CommandLine;
using System.CommandLine.Help;

namespace MlPipeline.Host.Cli;

/// <summary>
/// The host executable's command line: <c>serve</c> (the default), <c>topics …</c>, <c>health</c>, <c>ingest</c>, <c>predict</c>, <c>models list</c>. Each verb group
/// is one class with a <c>Create(CommandLineContext)</c> factory; adding a group (ingest, predict, models) is one
/// line in <see cref="VerbGroups"/>. Verbs share the configuration resolution of the service (<c>--config</c>,
/// MLPIPELINE_CONFIG, environment overrides) and the exit codes in <see cref="ExitCodes"/>.
/// </summary>
public static class MlPipelineCommandLine
{
    /// <summary>Parses and runs <paramref name="args"/>, writing to <paramref name="console"/>; returns the exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, CommandLineConsole console, CancellationToken cancellationToken = default)
    {
        var root = CreateRootCommand(console);
        var parseResult = root.Parse(args);
        // Parse errors exit 2 (like a bad configuration): the command must change, retrying will not help.
        // Help wins over errors, so `topics describe --help` shows help rather than "argument missing".
        if (parseResult.Errors.Count > 0 && parseResult.Action is not HelpAction)
        {
            foreach (var error in parseResult.Errors)
                await console.Error.WriteLineAsync($"error: {error.Message}");
            await console.Error.WriteLineAsync($"See '{CommandPath(parseResult)} --help'.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = console.Output,
            Error = console.Error,
            // The service handles SIGTERM/Ctrl+C through the Generic Host (graceful drain within
            // service.shutdown_timeout_seconds); a second handler here would cut that drain short.
            ProcessTerminationTimeout = null,
        };
        return await parseResult.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>The whole command tree, with the root running <c>serve</c> when no verb is given.</summary>
    public static RootCommand CreateRootCommand(CommandLineConsole console)
    {
        var options = new CommandLineOptions();
        var context = new CommandLineContext(console, options);
        var urls = ServeCommand.CreateUrlsOption();
        var root = new RootCommand("MlPipeline: a Kafka-native ML pipeline host. Without a verb it runs 'serve'.")
        {
            options.Config,
            options.Verbose,
            urls,
            ServeCommand.Create(context, urls),
        };
        foreach (var group in VerbGroups(context))
            root.Add(group);
        root.SetAction((parseResult, cancellationToken) => ServeCommand.RunAsync(parseResult, context, urls, cancellationToken));
        return root;
    }

    // One entry per verb group.
    private static IEnumerable<Command> VerbGroups(CommandLineContext context) =>
    [
        TopicsCommands.Create(context),
        HealthCommand.Create(context),
        IngestCommand.Create(context),
        PredictCommand.Create(context),
        ModelsCommands.Create(context),
        KeysCommands.Create(context),
    ];

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(result.Command is RootCommand ? "MlPipeline.Host" : result.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
