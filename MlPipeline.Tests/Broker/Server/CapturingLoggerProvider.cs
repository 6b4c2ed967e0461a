using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// Keeps every log entry (level, category, message) so a test can count what the broker logged; the entries
/// are also echoed to NUnit's progress output at warning and above, like the other broker tests.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();

    public IReadOnlyCollection<CapturedLogEntry> Entries => _entries;

    public IEnumerable<CapturedLogEntry> AtLeast(LogLevel level) => _entries.Where(e => e.Level >= level);

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    /// <summary>A factory logging to this provider only, from Debug up.</summary>
    public ILoggerFactory CreateFactory() =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(this));

    public void Dispose()
    {
        // Entries stay readable after the factory is disposed.
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<CapturedLogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            entries.Enqueue(new CapturedLogEntry(logLevel, category, message));
            if (logLevel >= LogLevel.Warning) TestContext.Progress.WriteLine($"[{logLevel}] {category[(category.LastIndexOf('.') + 1)..]}: {message}");
        }
    }
}

internal sealed record CapturedLogEntry(LogLevel Level, string Category, string Message);
