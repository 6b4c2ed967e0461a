using Microsoft.Extensions.Logging;

namespace MlPipeline.Tests.Core.Messaging;

/// <summary>
/// Completes <see cref="Seen"/> the first time a log message containing <paramref name="fragment"/> is written at
/// <paramref name="minimumLevel"/> or above: lets a test await "the component reported this" instead of sleeping.
/// </summary>
internal sealed class LogSignalProvider(string fragment, LogLevel minimumLevel = LogLevel.Warning) : ILoggerProvider
{
    private readonly string fragment = fragment;
    private readonly LogLevel minimumLevel = minimumLevel;
    private readonly TaskCompletionSource seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => seen.Task;

    public ILogger CreateLogger(string categoryName) => new SignalLogger(this);

    public void Dispose()
    {
    }

    private sealed class SignalLogger(LogSignalProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && formatter(state, exception).Contains(owner.fragment, StringComparison.Ordinal))
            {
                owner.seen.TrySetResult();
            }
        }
    }
}
