using System.CommandLine;
using MlPipeline.Core.Security;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>keys create NAME [--role predict|admin]</c>: makes a new API key and prints it once, with the
/// <c>auth.api_keys</c> line that holds only its SHA-256. Needs no configuration, service or broker; nothing is stored.
/// </summary>
internal static class KeysCommands
{
    public static Command Create(CommandLineContext context) =>
        new("keys", "Make API keys for the HTTP API (README \"Security\").")
        {
            CreateCreate(context),
        };

    private static Command CreateCreate(CommandLineContext context)
    {
        var name = new Argument<string>("name") { Description = "Who holds the key (shown in logs and history instead of the key)." };
        var role = new Option<string>("--role")
        {
            Description = "predict (predict and read) or admin (everything, including ingest, upload, train, promote).",
            DefaultValueFactory = _ => ApiRoles.Predict,
        };
        role.AcceptOnlyFromAmong(ApiRoles.Predict, ApiRoles.Admin);
        var command = new Command("create", "Print a new API key once and the auth.api_keys line with its SHA-256. Stores nothing.")
        {
            name,
            role,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var holder = parseResult.GetValue(name)!;
            if (string.IsNullOrWhiteSpace(holder) || holder.Any(c => char.IsControl(c) || c is '"' or '\\'))
            {
                await context.Console.Error.WriteLineAsync($"error: key name '{holder}' must be non-empty text without quotes, backslashes or control characters.");
                return ExitCodes.Usage;
            }

            var key = ApiKeyGenerator.NewKey();
            var output = context.Console.Output;
            await output.WriteLineAsync($"API key for '{holder}' (role {parseResult.GetValue(role)}); shown only now, store it safely:");
            await output.WriteLineAsync($"  {key}");
            await output.WriteLineAsync("Add this under auth.api_keys in the configuration (it holds only the key's SHA-256):");
            await output.WriteLineAsync($"    - {{ name: \"{holder}\", role: {parseResult.GetValue(role)}, sha256: {ApiKeyRing.Digest(key)} }}");
            await output.WriteLineAsync($"Or pass it to a container or service as {ApiKeyRing.EnvironmentVariable}={parseResult.GetValue(role)}:{key}");
            return ExitCodes.Success;
        });
        return command;
    }
}
