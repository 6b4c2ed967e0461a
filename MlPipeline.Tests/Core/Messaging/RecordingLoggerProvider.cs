using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>Keeps the structured state of every warning or worse, so a test can read what a component reported.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<IReadOnlyDictionary<string, object?>> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(RecordingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                owner.Entries.Enqueue(values.ToDictionary(pair => pair.Key, pair => pair.Value));
            }
        }
    }
}
