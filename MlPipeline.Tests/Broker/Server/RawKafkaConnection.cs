using System.Buffers.Binary;
using System.Net.Sockets;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// A bare TCP connection speaking Kafka framing, for what no real client will send: probes, malformed or
/// hostile frames, hand-built idempotent batches. Every read has a timeout so a broken broker fails fast.
/// </summary>
internal sealed class RawKafkaConnection : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _nextCorrelationId = 1;

    private RawKafkaConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawKafkaConnection> ConnectAsync(string bootstrapServers)
    {
        var (host, port) = (bootstrapServers[..bootstrapServers.LastIndexOf(':')], int.Parse(bootstrapServers[(bootstrapServers.LastIndexOf(':') + 1)..]));
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port);
        return new RawKafkaConnection(client);
    }

    /// <summary>Connects from a chosen local address (any 127.x.y.z reaches a broker on 127.0.0.1), to act as another client machine.</summary>
    public static async Task<RawKafkaConnection> ConnectFromAsync(string bootstrapServers, string localAddress)
    {
        var (host, port) = (bootstrapServers[..bootstrapServers.LastIndexOf(':')], int.Parse(bootstrapServers[(bootstrapServers.LastIndexOf(':') + 1)..]));
        var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(localAddress), 0)) { NoDelay = true };
        await client.ConnectAsync(host, port);
        return new RawKafkaConnection(client);
    }

    /// <summary>Sends a request with header v1 (or v2, with an empty tagged-field section); returns its correlation id.</summary>
    public async Task<int> SendAsync(short apiKey, short apiVersion, Action<KafkaWriter> writeBody, bool headerV2 = false)
    {
        int correlationId = _nextCorrelationId++;
        var writer = new KafkaWriter();
        int sizePosition = writer.ReserveInt32();
        writer.WriteInt16(apiKey);
        writer.WriteInt16(apiVersion);
        writer.WriteInt32(correlationId);
        writer.WriteNullableString("raw-test");
        if (headerV2) writer.WriteEmptyTaggedFields();
        writeBody(writer);
        writer.PatchInt32(sizePosition, writer.Length - 4);
        await SendRawAsync(writer.WrittenMemory);
        return correlationId;
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one response frame; returns its correlation id and the body after it.</summary>
    public async Task<(int CorrelationId, byte[] Body)> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var prefix = new byte[4];
        await _stream.ReadExactlyAsync(prefix, timeout.Token);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await _stream.ReadExactlyAsync(frame, timeout.Token);
        return (BinaryPrimitives.ReadInt32BigEndian(frame), frame[4..]);
    }

    /// <summary>True when the broker closed the connection (end of stream or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var buffer = new byte[1];
        try
        {
            return await _stream.ReadAsync(buffer, timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // connection reset
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
