using Microsoft.Extensions.Logging;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Decides at which level a rejected frame (bad size, unknown API, unsupported version, undecodable request) is
/// logged, so that one misbehaving client cannot flood the log. The broker already closes the connection at the
/// first bad frame (the stream cannot be resynchronised, as in Kafka), so a limit per connection would bound
/// nothing: a broken client simply reconnects and offends again. The limit is therefore per client address and
/// shared by all its connections: the first rejection in a window is a Warning, the rest of that window are
/// Debug, and when the window ends one Warning summarises how many were suppressed.
/// Owned by <see cref="BrokerServer"/>; called from every connection, so the state is guarded by <c>_gate</c>.
/// </summary>
internal sealed partial class RejectedFrameLog : IDisposable
{
    /// <summary>How long after a warning further rejections from the same address are only counted.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Addresses tracked at once; beyond that all others share one entry, so memory stays bounded.</summary>
    internal const int MaxTrackedClients = 1_024;

    /// <summary>The shared entry for addresses beyond <see cref="MaxTrackedClients"/>.</summary>
    internal const string OtherClients = "other clients";

    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    // client address => its current window; removed (with a summary) when the window's timer fires
    private readonly Dictionary<string, ClientWindow> _windows = new(StringComparer.Ordinal);
    private bool _disposed;

    public RejectedFrameLog(ILogger<RejectedFrameLog> logger, TimeProvider timeProvider)
    {
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Counts one rejected frame from <paramref name="clientAddress"/> and returns the level to log it at:
    /// Warning for the first in its window, Debug for the rest.
    /// </summary>
    public LogLevel LevelFor(string clientAddress)
    {
        lock (_gate)
        {
            if (_disposed) return LogLevel.Debug;
            if (!_windows.ContainsKey(clientAddress) && _windows.Count >= MaxTrackedClients) clientAddress = OtherClients;
            if (_windows.TryGetValue(clientAddress, out var window))
            {
                window.Suppressed++;
                return LogLevel.Debug;
            }
            var timer = _timeProvider.CreateTimer(static state => ((WindowKey)state!).Owner.Close(((WindowKey)state).Address),
                new WindowKey(this, clientAddress), Window, Timeout.InfiniteTimeSpan);
            _windows.Add(clientAddress, new ClientWindow(timer));
            return LogLevel.Warning;
        }
    }

    /// <summary>Stops the timers and writes the summaries still pending (the broker is stopping).</summary>
    public void Dispose()
    {
        ClientWindow[] pending;
        string[] addresses;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            addresses = _windows.Keys.ToArray();
            pending = _windows.Values.ToArray();
            _windows.Clear();
        }
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i].Timer.Dispose();
            if (pending[i].Suppressed > 0) LogSuppressed(pending[i].Suppressed, addresses[i], (int)Window.TotalSeconds);
        }
    }

    /// <summary>The window of <paramref name="clientAddress"/> ended: summarise it; its next rejection warns again.</summary>
    private void Close(string clientAddress)
    {
        ClientWindow? window;
        lock (_gate)
        {
            if (!_windows.Remove(clientAddress, out window)) return; // disposed meanwhile
        }
        window.Timer.Dispose();
        if (window.Suppressed > 0) LogSuppressed(window.Suppressed, clientAddress, (int)Window.TotalSeconds);
    }

    private sealed class ClientWindow(ITimer timer)
    {
        public ITimer Timer { get; } = timer;

        /// <summary>Rejections after the warning; guarded by the owner's <c>_gate</c>.</summary>
        public int Suppressed { get; set; }
    }

    private sealed record WindowKey(RejectedFrameLog Owner, string Address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} more rejected frames from {ClientAddress} in the last {WindowSeconds} s (each logged at Debug)")]
    private partial void LogSuppressed(int count, string clientAddress, int windowSeconds);
}
