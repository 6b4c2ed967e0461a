using Microsoft.Extensions.Logging;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// Sends warnings and worse to NUnit's progress stream. librdkafka calls back on its own native threads,
/// where no test context exists, and TestContext.Progress is the one writer that is safe from any thread.
/// </summary>
internal sealed class ProgressLoggerProvider(LogLevel minimumLevel = LogLevel.Warning) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProgressLogger(categoryName, minimumLevel);

    public void Dispose()
    {
    }

    private sealed class ProgressLogger(string category, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var shortCategory = category[(category.LastIndexOf('.') + 1)..];
                TestContext.Progress.WriteLine($"[{logLevel}] {shortCategory}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }
    }
}
