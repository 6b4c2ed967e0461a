using System.Text;

namespace MlPipeline.Core.Training;

/// <summary>
/// One append-only file of text lines (UTF-8, '\n'-terminated): append a batch of whole lines in one write, recover a
/// torn tail after a crash, read the prefix that holds whole lines. It knows nothing of what a line means.
/// Not thread-safe for writing: its owner serialises <see cref="AppendAsync"/> (readers may open prefixes meanwhile).
/// </summary>
internal sealed class AppendOnlyLineFile(string path, bool flushToDisk) : IAsyncDisposable
{
    private FileStream? writer;

    public string Path { get; } = path;

    /// <summary>
    /// Scans the whole lines of <paramref name="path"/>, handing each to <paramref name="readLine"/> (false: it is not a
    /// valid line). A torn last line (crash mid-append: no line feed, or unreadable with nothing after it) is cut off so
    /// the next append starts on a fresh line; an unreadable line with more after it is corruption our appends cannot
    /// cause, and throws. Returns the length of the whole, valid lines.
    /// </summary>
    /// <exception cref="InvalidDataException">An unreadable line before the end of the file.</exception>
    public static async Task<long> RecoverAsync(string path, Func<string, bool> readLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readLine);
        long goodLength = 0;
        long offset = 0;
        var badLine = false;
        var pending = new MemoryStream();
        long fileLength;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    pending.Write(buffer, start, i - start);
                    offset += pending.Length + 1;
                    start = i + 1;
                    var line = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
                    pending.SetLength(0);
                    if (badLine)
                    {
                        // Our appends only ever damage the tail; a bad line with good data after it is real corruption.
                        throw new InvalidDataException($"Corrupt line in '{path}' at byte {goodLength}, before the end of the file.");
                    }

                    if (readLine(line))
                    {
                        goodLength = offset;
                    }
                    else
                    {
                        badLine = true;
                    }
                }

                pending.Write(buffer, start, read - start);
            }
        }

        if (badLine && pending.Length > 0)
        {
            throw new InvalidDataException($"Corrupt line in '{path}' at byte {goodLength}, before the end of the file.");
        }

        if (goodLength < fileLength)
        {
            await using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            truncate.SetLength(goodLength);
        }

        return goodLength;
    }

    /// <summary>
    /// Appends <paramref name="lines"/> (whole lines) with one write and one flush (and an fsync when the file was opened
    /// with flushToDisk). When that fails, whatever part reached the file is cut off again before the exception goes on,
    /// so the file holds only whole batches. Returns the file's length after the append.
    /// </summary>
    public async Task<long> AppendAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        writer ??= new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);
        var lengthBefore = writer.Position;
        try
        {
            // One write call per batch: a concurrent reader sees whole lines and at most one partial last line.
            await writer.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushToDisk)
            {
                writer.Flush(flushToDisk: true);
            }
        }
        catch (Exception)
        {
            // A retry of the same batch must not leave its lines twice in the file.
            await CutBackAsync(lengthBefore).ConfigureAwait(false);
            throw;
        }

        return writer.Position;
    }

    /// <summary>The first <paramref name="length"/> bytes of the file (the whole lines known to be there), for reading.</summary>
    public Stream OpenPrefix(long length) =>
        new PrefixReadStream(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), length);

    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            writer = null;
        }
    }

    private async Task CutBackAsync(long length)
    {
        if (writer is { } failed)
        {
            writer = null;
            try
            {
                await failed.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The buffered bytes that failed to write are exactly what is being cut off below.
            }
        }

        await using var truncate = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete);
        truncate.SetLength(Math.Min(length, truncate.Length));
    }
}

/// <summary>Reads the first <c>length</c> bytes of a stream and then reports its end; disposes the stream.</summary>
internal sealed class PrefixReadStream(Stream inner, long length) : Stream
{
    private long remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        remaining -= read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, remaining)], cancellationToken).ConfigureAwait(false);
        remaining -= read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        // Read-only: nothing to flush.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
