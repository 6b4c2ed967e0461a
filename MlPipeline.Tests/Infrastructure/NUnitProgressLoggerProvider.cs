using Microsoft.Extensions.Logging;

namespace MlPipeline.Tests.Infrastructure;

/// <summary>
/// Sends log lines to NUnit's progress output (shown live, attributed to the run rather than lost on stderr).
/// Only warnings and above by default: a healthy test run stays quiet.
/// </summary>
public sealed class NUnitProgressLoggerProvider(LogLevel minimumLevel = LogLevel.Warning) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProgressLogger(categoryName, minimumLevel);

    public void Dispose()
    {
        // Nothing buffered: every line is written as it is logged.
    }

    /// <summary>A logger factory that writes only here.</summary>
    public static ILoggerFactory CreateFactory(LogLevel minimumLevel = LogLevel.Warning) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(minimumLevel).AddProvider(new NUnitProgressLoggerProvider(minimumLevel)));

    private sealed class ProgressLogger(string category, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string shortCategory = category[(category.LastIndexOf('.') + 1)..];
            TestContext.Progress.WriteLine($"[{logLevel}] {shortCategory}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
