using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker.Apis;

namespace MlPipeline.Broker.Protocol;

/// <summary>
/// One client connection. Requests are handled one at a time, in arrival order, exactly like Kafka's
/// "muted channel": the next request is not read until the previous response is written. That gives
/// in-order answers for pipelining clients for free, and a parked Fetch or JoinGroup holds up only its own
/// socket. Anything that cannot be answered (bad frame, unknown API, handler failure) closes this
/// connection only, with one log line.
/// A connection that waits for its next request longer than <see cref="BrokerOptions.ConnectionsMaxIdle"/> is
/// closed. The idle timer runs only while the loop waits for bytes: a request being served (a parked Fetch or
/// JoinGroup) is never idle, and any bytes received (even part of a frame) restart it.
/// The server runs each connection on a thread of its own with blocking socket calls (<see cref="DedicatedThreadContext"/>,
/// <see cref="BlockingSocketStream"/>): no read, write or handler continuation waits for the host's thread pool.
/// </summary>
internal sealed partial class BrokerConnection
{
    /// <summary>The size prefix of every frame.</summary>
    private const int SizePrefixBytes = 4;

    /// <summary>Starting size of a connection's (pooled) response buffer: enough for everything but fetches.</summary>
    private const int InitialResponseBufferBytes = 4096;

    /// <summary>
    /// A response buffer grown past this (large fetches) is kept while responses still fill a quarter of it, so a
    /// consumer streaming big fetches reuses one buffer, and goes back to the pool once they get small (the
    /// consumer caught up), so idle connections do not each hold megabytes.
    /// </summary>
    private const int RetainedResponseBufferBytes = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly ApiHandlerRegistry _handlers;
    private readonly int _maxRequestBytes;
    private readonly ILogger _logger;
    private readonly string _peer;
    private readonly string _clientHost;
    private readonly TimeSpan _maxIdle;
    private readonly TimeProvider _timeProvider;
    // Shared by all connections: decides whether a rejected frame is a Warning or, from a flooding client, Debug.
    private readonly RejectedFrameLog _rejectedFrames;
    // Number of the loop's current wait for bytes (written only by the loop, after _waitingSince; the callback reads
    // it before _waitingSince): a callback judges one wait, and the loop acts only on a verdict about the wait it is in.
    private long _currentWait;
    // The wait the idle timer's callback (a timer thread) found expired; -1 before any. A callback that read an
    // earlier wait and finished late (the loop served a request meanwhile) names that wait, so it closes nothing.
    private long _expiredWait = -1;
    // Timestamp (of _timeProvider) at which the loop started waiting for bytes; lets a late timer callback from an
    // earlier wait recognise that the connection has been active since.
    private long _waitingSince;
    // The loop's reader and idle timer, for the timer's callback; set before the timer is first armed.
    private PipeReader? _input;
    private ITimer? _idleTimer;

    public BrokerConnection(Socket socket, ApiHandlerRegistry handlers, int maxRequestBytes, TimeSpan maxIdle, TimeProvider timeProvider,
        RejectedFrameLog rejectedFrames, ILogger logger)
    {
        _rejectedFrames = rejectedFrames;
        _socket = socket;
        _handlers = handlers;
        _maxRequestBytes = maxRequestBytes;
        _maxIdle = maxIdle;
        _timeProvider = timeProvider;
        _logger = logger;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        _peer = remote?.ToString() ?? "unknown";
        _clientHost = remote?.Address.ToString() ?? "unknown";
    }

    /// <summary>Cuts the connection off at once (shutdown of a connection stuck in a handler).</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>Serves the connection until the peer closes it, it misbehaves, or the broker stops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var stream = new BlockingSocketStream(_socket);
        // A blocking read wakes only for bytes, the peer's close or a shutdown: stopping the broker shuts the socket.
        await using var onStop = cancellationToken.Register(static state => ((BrokerConnection)state!).ShutDown(SocketShutdown.Both), this);
        // Large reads so a burst of pipelined produce requests lands in few segments (often one).
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        using var response = new KafkaWriter(InitialResponseBufferBytes, ArrayPool<byte>.Shared);
        // The timer cancels the pending read, which the loop then tells apart from a normal wake-up by _expiredWait.
        // Disposed (waiting for a running callback) before the reader completes, so no callback touches a finished reader.
        var idleTimer = _maxIdle == Timeout.InfiniteTimeSpan ? null : _timeProvider.CreateTimer(
            static state => ((BrokerConnection)state!).OnIdleTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _input = input;
        _idleTimer = idleTimer;
        LogConnected(_peer);
        try
        {
            while (true)
            {
                long wait = _currentWait + 1;
                // The start time first, then the wait number: a callback that reads this wait's number also reads
                // (at least) this wait's start.
                Volatile.Write(ref _waitingSince, _timeProvider.GetTimestamp());
                Volatile.Write(ref _currentWait, wait);
                idleTimer?.Change(_maxIdle, Timeout.InfiniteTimeSpan);
                var read = await input.ReadAsync(cancellationToken);
                idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                // A timer that fired just as bytes arrived cancels a later read, and a callback that judged an earlier
                // wait may finish during this one: only a cancelled read with a verdict about this very wait is idle.
                if (read.IsCanceled && Volatile.Read(ref _expiredWait) == wait)
                {
                    LogIdleClosed(_peer, (long)_maxIdle.TotalMilliseconds);
                    return;
                }
                var buffer = read.Buffer;
                bool frameInvalid;
                while (TryTakeFrame(ref buffer, out var frame, out frameInvalid))
                {
                    if (!await ServeAsync(frame, stream, response, cancellationToken)) return;
                    if (response.Capacity > RetainedResponseBufferBytes && response.Length < response.Capacity / 4)
                        response.Shrink(InitialResponseBufferBytes);
                }
                if (frameInvalid) return;
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty) LogTruncated(_peer, buffer.Length);
                    return;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Broker stopping: the socket is closed below.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            LogDisconnected(_peer, ex.Message);
        }
        finally
        {
            if (idleTimer is not null) await idleTimer.DisposeAsync();
            await input.CompleteAsync();
            LogClosed(_peer);
        }
    }

    /// <summary>Timer callback: nothing arrived for the idle period, so wake the read loop to close.</summary>
    private void OnIdleTimeout()
    {
        // The timer and the clock may disagree by a tick, and a late callback may belong to an earlier wait: either
        // way the connection has not been idle long enough yet, so wait for the rest instead.
        long wait = Volatile.Read(ref _currentWait);
        var remaining = _maxIdle - _timeProvider.GetElapsedTime(Volatile.Read(ref _waitingSince));
        if (remaining > TimeSpan.Zero)
        {
            _idleTimer?.Change(remaining, Timeout.InfiniteTimeSpan);
            return;
        }
        Volatile.Write(ref _expiredWait, wait);
        _input?.CancelPendingRead();
        // The read blocks in the socket: shutting its receiving side wakes it (only while it is still this wait).
        if (Volatile.Read(ref _currentWait) == wait) ShutDown(SocketShutdown.Receive);
    }

    private void ShutDown(SocketShutdown how)
    {
        try
        {
            _socket.Shutdown(how);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to wake.
        }
    }

    /// <summary>
    /// Takes one complete frame (without its size prefix) off the front of <paramref name="buffer"/>.
    /// A size ≤ 0 or above the limit sets <paramref name="frameInvalid"/>: the stream cannot be resynchronised.
    /// </summary>
    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame, out bool frameInvalid)
    {
        frame = default;
        frameInvalid = false;
        if (buffer.Length < SizePrefixBytes) return false;
        Span<byte> prefix = stackalloc byte[SizePrefixBytes];
        buffer.Slice(0, SizePrefixBytes).CopyTo(prefix);
        int size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size <= 0 || size > _maxRequestBytes)
        {
            LogBadFrameSize(_rejectedFrames.LevelFor(_clientHost), _peer, size, _maxRequestBytes);
            frameInvalid = true;
            return false;
        }
        if (buffer.Length - SizePrefixBytes < size) return false;
        frame = buffer.Slice(SizePrefixBytes, size);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    /// <summary>Handles one request and writes its response; false means close the connection.</summary>
    private async ValueTask<bool> ServeAsync(ReadOnlySequence<byte> frame, Stream stream, KafkaWriter response, CancellationToken cancellationToken)
    {
        // Handlers read a contiguous body; a frame spread over pipe segments is copied once into a pooled array.
        byte[]? rented = null;
        ReadOnlyMemory<byte> bytes;
        if (frame.IsSingleSegment)
        {
            bytes = frame.First;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(rented);
            bytes = rented.AsMemory(0, (int)frame.Length);
        }

        // Until the header is decoded, failures are logged as API -1 rather than a misleading "Produce v0".
        var header = new RequestHeader((ApiKey)(-1), -1, -1, null);
        try
        {
            int headerLength;
            (header, headerLength) = ReadHeader(bytes.Span);
            var handler = _handlers.Find(header.ApiKey);
            if (handler is null)
            {
                LogUnknownApi(_rejectedFrames.LevelFor(_clientHost), _peer, header.ClientId, (short)header.ApiKey, header.ApiVersion);
                return false;
            }
            // ApiVersions is the one API that must answer an unsupported version (with error 35), so the
            // client can retry lower; for every other API the client negotiated and must stay in range.
            if (header.ApiKey != ApiKey.ApiVersions && (header.ApiVersion < handler.MinVersion || header.ApiVersion > handler.MaxVersion))
            {
                LogUnsupportedVersion(_rejectedFrames.LevelFor(_clientHost), _peer, header.ClientId, header.ApiKey, header.ApiVersion, handler.MinVersion, handler.MaxVersion);
                return false;
            }

            response.Reset();
            int sizePosition = response.ReserveInt32();
            response.WriteInt32(header.CorrelationId); // response header v0
            var request = new ApiRequest(header, bytes[headerLength..], _clientHost);
            bool respond = await handler.HandleAsync(request, response, cancellationToken);
            if (!respond) return true; // acks=0 produce: the protocol sends nothing back
            response.PatchInt32(sizePosition, response.Length - SizePrefixBytes);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A decoding error, a handler bug, or storage the handler could not map to a Kafka error code (an
            // IOException here is the disk's, not this socket's): this client's stream is no longer trustworthy,
            // others are fine.
            LogRequestFailed(_rejectedFrames.LevelFor(_clientHost), ex, _peer, header.ClientId, header.ApiKey, header.ApiVersion, ex.Message);
            return false;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        // Outside the try: an IOException or SocketException here is the peer's, and ends the loop quietly.
        await stream.WriteAsync(response.WrittenMemory, cancellationToken);
        return true;
    }

    private static (RequestHeader Header, int Length) ReadHeader(ReadOnlySpan<byte> frame)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader);
        return (header, reader.Position);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Peer} accepted")]
    private partial void LogConnected(string peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Peer} closed")]
    private partial void LogClosed(string peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Peer} dropped: {Reason}")]
    private partial void LogDisconnected(string peer, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing connection from {Peer}: no request for {MaxIdleMs} ms")]
    private partial void LogIdleClosed(string peer, long maxIdleMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Peer} closed mid-frame ({Bytes} bytes unread)")]
    private partial void LogTruncated(string peer, long bytes);

    [LoggerMessage(Message = "Closing connection from {Peer}: frame size {Size} is outside 1..{MaxRequestBytes}")]
    private partial void LogBadFrameSize(LogLevel level, string peer, int size, int maxRequestBytes);

    [LoggerMessage(Message = "Closing connection from {Peer} (client {ClientId}): unsupported API key {ApiKey} v{Version}")]
    private partial void LogUnknownApi(LogLevel level, string peer, string? clientId, short apiKey, short version);

    [LoggerMessage(Message = "Closing connection from {Peer} (client {ClientId}): {ApiKey} v{Version} is outside the advertised range {Min}-{Max}")]
    private partial void LogUnsupportedVersion(LogLevel level, string peer, string? clientId, ApiKey apiKey, short version, short min, short max);

    [LoggerMessage(Message = "Closing connection from {Peer} (client {ClientId}): {ApiKey} v{Version} failed: {Reason}")]
    private partial void LogRequestFailed(LogLevel level, Exception exception, string peer, string? clientId, ApiKey apiKey, short version, string reason);
}
