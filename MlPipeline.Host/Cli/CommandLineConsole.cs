namespace MlPipeline.Host.Cli;

/// <summary>
/// What a command-line invocation talks to: where results and errors are written, and the environment that overrides
/// the configuration. Program passes the real console and process environment; tests pass their own.
/// </summary>
public sealed record CommandLineConsole(TextWriter Output, TextWriter Error, IReadOnlyDictionary<string, string?> Environment);
