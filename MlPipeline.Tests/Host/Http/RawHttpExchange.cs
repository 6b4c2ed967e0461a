using System.Net.Sockets;
using System.Text;

namespace MlPipeline.Tests.Host.Http;

/// <summary>
/// One HTTP/1.1 request written byte for byte to a socket (for what HttpClient refuses to send: a broken chunk size,
/// a body that is not what its headers say) and the whole answer read back until the server closes.
/// </summary>
internal sealed record RawHttpResponse(int Status, string Headers, string Body)
{
    public static async Task<RawHttpResponse> SendAsync(Uri server, byte[] request, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancellation.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, cancellation.Token);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cancellation.Token);
        }
        catch (IOException) when (received.Length > 0)
        {
            // The server answered, then reset the connection instead of reading the rest of a broken body.
        }

        return Parse(received.ToArray());
    }

    /// <summary>Headers as given, then a body; Connection: close so the answer ends with the connection.</summary>
    public static byte[] Request(string method, string path, string headers, byte[] body)
    {
        var head = Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n");
        return [.. head, .. body];
    }

    private static RawHttpResponse Parse(byte[] bytes)
    {
        var headerEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.That(headerEnd, Is.GreaterThan(0), $"no HTTP answer: '{Encoding.UTF8.GetString(bytes)}'");
        var headers = Encoding.ASCII.GetString(bytes, 0, headerEnd);
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = bytes.AsSpan(headerEnd + 4).ToArray();
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            body = Unchunk(body);
        return new RawHttpResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Unchunk(byte[] chunked)
    {
        var result = new List<byte>();
        var position = 0;
        while (position < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0)
                break;
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, position, lineEnd), 16);
            if (size == 0)
                break;
            result.AddRange(chunked.AsSpan(position + lineEnd + 2, size));
            position += lineEnd + 2 + size + 2;
        }

        return [.. result];
    }
}
