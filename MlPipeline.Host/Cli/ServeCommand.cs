using System.CommandLine;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>serve</c> (also what runs when no verb is given): the long-running service. Stop requests (Ctrl+C, SIGTERM,
/// systemd or Windows service stop) are handled by the Generic Host itself, which drains for up to
/// <c>service.shutdown_timeout_seconds</c>; the command line registers no signal handler of its own.
/// </summary>
internal static class ServeCommand
{
    public const string Description =
        "Run the pipeline service: HTTP API, stages and (in embedded mode) the Kafka broker. " +
        "Further arguments (e.g. --environment Development) go to ASP.NET Core's configuration.";

    public static Option<string?> CreateUrlsOption() => new("--urls")
    {
        Description = "Addresses to listen on, e.g. http://0.0.0.0:8000 (replaces http.host and http.port).",
        HelpName = "urls",
    };

    public static Command Create(CommandLineContext context, Option<string?> urls)
    {
        var command = new Command("serve", Description)
        {
            urls,
        };
        // ASP.NET Core reads its own command-line configuration; forward what we do not know instead of rejecting it.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, urls, cancellationToken));
        return command;
    }

    /// <summary>Builds and runs the host until it is asked to stop. Exit 2 with one line per problem when the configuration is unusable.</summary>
    public static async Task<int> RunAsync(ParseResult parseResult, CommandLineContext context, Option<string?> urls, CancellationToken cancellationToken)
    {
        var environment = context.Console.Environment;
        var configPath = PipelineApplication.ResolveConfigPath(parseResult.GetValue(context.Options.Config), environment);
        var hostArgs = new List<string>();
        if (parseResult.GetValue(urls) is { } addresses)
            hostArgs.AddRange(["--urls", addresses]);
        hostArgs.AddRange(parseResult.UnmatchedTokens);

        WebApplication app;
        try
        {
            app = await PipelineApplication.BuildAsync(new PipelineHostSettings(configPath, environment, hostArgs.ToArray()), cancellationToken: cancellationToken);
        }
        catch (ConfigurationException exception)
        {
            // One line per problem, naming file, key, value and what is allowed; nothing has started yet.
            await context.Console.Error.WriteLineAsync(exception.Message);
            return ExitCodes.Usage;
        }

        await using (app)
        {
            await app.RunAsync();
        }

        return ExitCodes.Success;
    }
}
