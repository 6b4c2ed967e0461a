namespace MlPipeline.Host.Apis.Http;

/// <summary>
/// The request body as endpoints read it. Kestrel reports some broken bodies as a plain <see cref="IOException"/>
/// (a chunk size that overflows, <c>FFFFFFFFFFFFFFFF</c>, is "Bad chunk size data."), which an endpoint cannot tell
/// from its own disk failing. Any failure to read the body is the request's fault, so it is rethrown as the
/// <see cref="BadHttpRequestException"/> (400, Kestrel's reason kept) that <see cref="ApiExceptionHandler"/> answers
/// as a 4xx problem. Cancellation passes through unchanged.
/// </summary>
internal sealed class RequestBodyStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException exception) when (exception is not BadHttpRequestException)
        {
            throw new BadHttpRequestException(exception.Message, StatusCodes.Status400BadRequest, exception);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (IOException exception) when (exception is not BadHttpRequestException)
        {
            throw new BadHttpRequestException(exception.Message, StatusCodes.Status400BadRequest, exception);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
