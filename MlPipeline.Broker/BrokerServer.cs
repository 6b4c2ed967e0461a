using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker;

/// <summary>
/// The embedded single-node Kafka broker: owns the listener, the per-connection loops, the background
/// flush and retention timers, and its own DI container (options, identity, storage, groups, API handlers).
/// <see cref="StartAsync"/> returns once the listener is bound, so <see cref="BootstrapServers"/> is usable
/// immediately; <see cref="DisposeAsync"/> stops accepting, closes connections, flushes and closes the store.
/// </summary>
public sealed partial class BrokerServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly Socket _listener;
    private readonly ApiHandlerRegistry _handlers;
    private readonly TopicRegistry _topics;
    private readonly GroupCoordinator _groups;
    private readonly BrokerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BrokerServer> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly CancellationTokenSource _stopping = new();
    // Shared by every connection so a client that reconnects after each bad frame is still rate-limited.
    private readonly RejectedFrameLog _rejectedFrames;
    private readonly ConnectionLimiter _connectionLimiter;
    /// <summary>How long stopping waits for connections to finish their current request before cutting them off.</summary>
    private static readonly TimeSpan ConnectionDrainTimeout = TimeSpan.FromSeconds(5);

    // live connection => its serving task; removed when the task ends
    private readonly ConcurrentDictionary<BrokerConnection, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private Task _maintenance = Task.CompletedTask;
    private int _disposed;

    private BrokerServer(ServiceProvider services, Socket listener, BrokerIdentity identity)
    {
        _services = services;
        _listener = listener;
        _handlers = services.GetRequiredService<ApiHandlerRegistry>();
        _topics = services.GetRequiredService<TopicRegistry>();
        _groups = services.GetRequiredService<GroupCoordinator>();
        _options = services.GetRequiredService<BrokerOptions>();
        _timeProvider = services.GetRequiredService<TimeProvider>();
        _loggerFactory = services.GetRequiredService<ILoggerFactory>();
        _logger = _loggerFactory.CreateLogger<BrokerServer>();
        _rejectedFrames = new RejectedFrameLog(_loggerFactory.CreateLogger<RejectedFrameLog>(), _timeProvider);
        _connectionLimiter = new ConnectionLimiter(_options.MaxConnections, _options.MaxConnectionsPerIp);
        Identity = identity;
    }

    /// <summary>Who this node is, including the port actually bound.</summary>
    public BrokerIdentity Identity { get; }

    /// <summary>The port the listener is bound to (the real one when the options asked for 0).</summary>
    public int Port => Identity.Port;

    /// <summary>"host:port" as advertised to clients; give this to bootstrap.servers.</summary>
    public string BootstrapServers => Identity.BootstrapAddress;

    /// <summary>The broker's services (topic registry, stores, handlers), for embedding hosts and tests.</summary>
    public IServiceProvider Services => _services;

    /// <summary>
    /// Builds the broker, binds its listener (port 0 picks a free port) and starts accepting connections.
    /// </summary>
    /// <param name="options">Broker settings; not copied, do not change them after start.</param>
    /// <param name="loggerFactory">Where the broker logs; null logs nowhere.</param>
    /// <param name="timeProvider">Clock for long polls, group timeouts and timers; null = system clock.</param>
    /// <param name="cancellationToken">Cancels the start (not the running broker: dispose it to stop).</param>
    public static Task<BrokerServer> StartAsync(
        BrokerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory, timeProvider: null, cancellationToken);

    /// <inheritdoc cref="StartAsync(BrokerOptions, ILoggerFactory?, CancellationToken)"/>
    public static Task<BrokerServer> StartAsync(
        BrokerOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory, timeProvider, configureServices: null, cancellationToken);

    /// <summary>
    /// As the public overloads, with a last say over the broker's services: tests replace the storage with a
    /// faulty one (a failing disk) this way. Registrations added here win over the broker's own.
    /// </summary>
    internal static Task<BrokerServer> StartAsync(
        BrokerOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider,
        Action<IServiceCollection>? configureServices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (BrokerOptionsValidator.Validate(options) is [_, ..] errors)
            throw new ArgumentException("Invalid BrokerOptions: " + string.Join("; ", errors), nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddBrokerCore(options);
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        Socket? listener = null;
        try
        {
            var identity = provider.GetRequiredService<BrokerIdentity>();
            listener = Bind(options);
            // Metadata and FindCoordinator advertise this port, so it is set before the first client can ask.
            identity.Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            var server = new BrokerServer(provider, listener, identity);
            server.Start();
            return Task.FromResult(server);
        }
        catch
        {
            listener?.Dispose();
            provider.Dispose();
            throw;
        }
    }

    private static Socket Bind(BrokerOptions options)
    {
        var address = options.Host is "*" or "" ? IPAddress.Any
            : IPAddress.TryParse(options.Host, out var parsed) ? parsed
            : Dns.GetHostAddresses(options.Host).First(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, options.Port));
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Start()
    {
        // The listener and every connection run on threads of their own, never on the host's thread pool: an embedding
        // host busy with batch work must not starve its own broker (see DedicatedThreadContext).
        _acceptLoop = DedicatedThreadContext.Run(() =>
        {
            AcceptLoop(_stopping.Token);
            return Task.CompletedTask;
        }, "broker-accept");
        // The timer is created here, not in the loop's task, so its schedule starts at StartAsync: a test
        // that advances a fake clock right after start must not race the timer's creation.
        var maintenanceTimer = CreateMaintenanceTimer(out var flushEvery);
        if (maintenanceTimer is not null)
        {
            long startedAt = _timeProvider.GetTimestamp();
            _maintenance = Task.Run(() => MaintenanceLoopAsync(maintenanceTimer, flushEvery, startedAt, _stopping.Token));
        }
        LogListening(BootstrapServers, _options.DataDirectory ?? "(in memory)");
    }

    private void AcceptLoop(CancellationToken cancellationToken)
    {
        var connectionLogger = _loggerFactory.CreateLogger<BrokerConnection>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                // Blocking, on the accept thread; disposing the listener (stop) ends it.
                socket = _listener.Accept();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException && cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. the peer reset before we accepted; the listener itself is still fine.
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }
            // Over a connection limit the socket is closed at once, as Kafka does: there is no request yet to answer.
            string clientAddress = (socket.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown";
            if (_connectionLimiter.TryAdmit(clientAddress) is { } refusal)
            {
                LogConnectionRefused(_rejectedFrames.LevelFor(clientAddress), clientAddress, refusal);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            var connection = new BrokerConnection(socket, _handlers, _options.MaxRequestBytes, _options.ConnectionsMaxIdle, _timeProvider, _rejectedFrames, connectionLogger);
            _connections[connection] = DedicatedThreadContext.Run(async () =>
            {
                try
                {
                    await connection.RunAsync(cancellationToken);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    _connectionLimiter.Release(clientAddress);
                }
            }, "broker-connection");
        }
    }

    /// <summary>One timer for interval flushes (FlushPolicy.Interval with a data directory), retention checks, and
    /// the expiry of empty groups' offsets and idle producers' state.</summary>
    private PeriodicTimer? CreateMaintenanceTimer(out TimeSpan flushEvery)
    {
        flushEvery = _options.FlushPolicy == FlushPolicy.Interval && _options.DataDirectory is not null
            ? _options.FlushInterval : Timeout.InfiniteTimeSpan;
        var tick = TimeSpan.FromTicks(Math.Min(_options.RetentionCheckInterval.Ticks, _options.ExpirationCheckInterval.Ticks));
        if (flushEvery != Timeout.InfiniteTimeSpan) tick = TimeSpan.FromTicks(Math.Min(flushEvery.Ticks, tick.Ticks));
        return tick > TimeSpan.Zero ? new PeriodicTimer(tick, _timeProvider) : null;
    }

    /// <summary>Flushes on every tick (when interval flushing), applies retention once per retention interval and
    /// expiry once per expiration interval.</summary>
    private async Task MaintenanceLoopAsync(PeriodicTimer timer, TimeSpan flushEvery, long lastRetention, CancellationToken cancellationToken)
    {
        using var ownedTimer = timer;
        long lastExpiration = lastRetention;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (flushEvery != Timeout.InfiniteTimeSpan) _topics.FlushAll();
                    if (_timeProvider.GetElapsedTime(lastRetention) >= _options.RetentionCheckInterval)
                    {
                        lastRetention = _timeProvider.GetTimestamp();
                        int removed = _topics.ApplyRetention(_timeProvider.GetUtcNow());
                        if (removed > 0) LogRetention(removed);
                    }
                    if (_timeProvider.GetElapsedTime(lastExpiration) >= _options.ExpirationCheckInterval)
                    {
                        lastExpiration = _timeProvider.GetTimestamp();
                        var now = _timeProvider.GetUtcNow();
                        int groups = _groups.ExpireGroups(now);
                        int producers = _topics.ExpireProducers(now);
                        if (groups + producers > 0) LogExpired(groups, producers);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A full or read-only disk must not stop the timer; the next tick retries.
                    LogMaintenanceFailed(ex, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        await _maintenance;
        // Cancelling the token ends every connection loop (parked fetches and joins included); each closes
        // its socket. A handler that ignores the token must not hang shutdown: its socket is cut instead.
        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(ConnectionDrainTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            LogConnectionsCutOff(_connections.Count);
            foreach (var connection in _connections.Keys) connection.Abort();
        }
        _rejectedFrames.Dispose(); // after the connections: writes the summaries still pending
        _topics.Dispose(); // flushes and closes every partition log
        await _services.DisposeAsync(); // disposes the store and the group coordinator
        _stopping.Dispose();
        LogStopped(BootstrapServers);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker listening on {BootstrapServers}, data in {DataDirectory}")]
    private partial void LogListening(string bootstrapServers, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker on {BootstrapServers} stopped")]
    private partial void LogStopped(string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a connection failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(Message = "Refused a connection from {ClientAddress}: {Reason}")]
    private partial void LogConnectionRefused(LogLevel level, string clientAddress, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Connections} connections did not finish within the shutdown grace period and were cut off")]
    private partial void LogConnectionsCutOff(int connections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {Segments} segments")]
    private partial void LogRetention(int segments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Groups} empty consumer groups and the state of {Producers} idle idempotent producers")]
    private partial void LogExpired(int groups, int producers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flush or retention failed: {Reason}")]
    private partial void LogMaintenanceFailed(Exception exception, string reason);
}
