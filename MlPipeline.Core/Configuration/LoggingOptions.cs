using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Configuration;

/// <summary>The <c>logging:</c> section (ours): how much the host logs and in which format.</summary>
public sealed class LoggingOptions
{
    /// <summary>
    /// Categories that log every HTTP request or client call at Information. Outside the Development environment they
    /// are held at Warning unless <see cref="Levels"/> names them: at a steady load their per-request lines would
    /// outnumber the pipeline's own events by thousands to one.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, LogLevel> QuietByDefault = new Dictionary<string, LogLevel>
    {
        ["Microsoft.AspNetCore"] = LogLevel.Warning,
        ["System.Net.Http"] = LogLevel.Warning,
    };

    /// <summary>Level of every category <see cref="Levels"/> does not name. <value>Default Information: the
    /// pipeline's lifecycle events (stage started, dataset ingested, model trained and promoted, alert fired and
    /// resolved); per-message detail is Debug.</value></summary>
    public LogLevel Level { get; set; } = LogLevel.Information;

    /// <summary>Level per category (a logger name or a prefix of it, e.g. <c>MlPipeline.Core.Stages</c>); the longest
    /// matching prefix wins. Added to <see cref="QuietByDefault"/>, replacing an entry with the same name.
    /// <value>Default empty.</value></summary>
    public Dictionary<string, LogLevel> Levels { get; set => field = value ?? []; } = [];

    /// <summary>Console format. <value>Default (empty): systemd's journal format when the host runs as a systemd
    /// service, otherwise simple.</value></summary>
    public LogFormat? Format { get; set; }
}

/// <summary>How log lines are written to the console.</summary>
public enum LogFormat
{
    /// <summary>Human-readable lines (the .NET console default).</summary>
    Simple,

    /// <summary>One JSON object per line, for log shippers and containers.</summary>
    Json,

    /// <summary>One line per entry with a syslog priority prefix that journald reads as the entry's level.</summary>
    Systemd,
}
