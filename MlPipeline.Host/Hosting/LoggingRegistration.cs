using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Console;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Host.Hosting;

/// <summary>Applies the <c>logging:</c> section: one console provider in the chosen format, and a level per category.</summary>
public static class LoggingRegistration
{
    /// <summary>
    /// Replaces the default providers with the console in <see cref="LoggingOptions.Format"/> (journal format under
    /// systemd when no format is set), sets <see cref="LoggingOptions.Level"/> as the default level and adds a filter
    /// per category. Outside Development, <see cref="LoggingOptions.QuietByDefault"/> holds ASP.NET Core's and
    /// HttpClient's per-request lines at Warning; in Development (<c>DOTNET_ENVIRONMENT</c> or
    /// <c>ASPNETCORE_ENVIRONMENT</c>) they stay at the default level, as a developer expects from <c>dotnet run</c>.
    /// Call it before any test or caller adjustment, so theirs win.
    /// </summary>
    public static ILoggingBuilder AddPipelineLogging(this ILoggingBuilder logging, LoggingOptions options, IHostEnvironment environment)
    {
        logging.ClearProviders();
        var format = options.Format ?? (SystemdHelpers.IsSystemdService() ? LogFormat.Systemd : LogFormat.Simple);
        logging.AddConsole(console => console.FormatterName = FormatterName(format));
        logging.SetMinimumLevel(options.Level);
        foreach (var (category, level) in EffectiveLevels(options, environment.IsDevelopment()))
        {
            logging.AddFilter(category, level);
        }

        return logging;
    }

    /// <summary>The per-category levels: the production quiet defaults (unless in Development), then the file's own.</summary>
    public static IReadOnlyDictionary<string, LogLevel> EffectiveLevels(LoggingOptions options, bool isDevelopment)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        if (!isDevelopment)
        {
            foreach (var (category, level) in LoggingOptions.QuietByDefault)
                levels[category] = level;
        }

        foreach (var (category, level) in options.Levels)
            levels[category] = level;
        return levels;
    }

    private static string FormatterName(LogFormat format) => format switch
    {
        LogFormat.Json => ConsoleFormatterNames.Json,
        LogFormat.Systemd => ConsoleFormatterNames.Systemd,
        _ => ConsoleFormatterNames.Simple,
    };
}
