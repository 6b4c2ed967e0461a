using System.Runtime.InteropServices;
using System.Text;

namespace MlPipeline.Core.Storage;

/// <summary>
/// Whole-file replacement: the content goes to a temporary file beside the target, which is renamed over it, so a
/// reader or a crash sees the old file or the new one, never half of one. Durable (the default): the temporary file is
/// fsynced before the rename and the folder after it, so once the call returns the new file survives a power cut too.
/// The one way Core replaces a file (model pointer, training and ingestion job records).
/// </summary>
public static class AtomicFile
{
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <param name="durable">False only where losing the latest version to a power cut is harmless and an fsync per
    /// call would cost a hot path; the replacement stays atomic.</param>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temp = TempPathFor(path);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (durable)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            Replace(temp, path, durable);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The synchronous <see cref="WriteAsync"/>, for callers that write under a lock.</summary>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temp = TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }

            Replace(temp, path, durable);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> (atomic), then fsyncs the folder when durable.</summary>
    public static void Replace(string source, string destination, bool durable = true)
    {
        // rename(2) replaces the destination atomically.
        File.Move(source, destination, overwrite: true);
        if (durable)
        {
            FlushFolder(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        }
    }

    // Beside the target (same file system, so the rename is atomic); unique, so concurrent writers never share one.
    private static string TempPathFor(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the write already failed, and that is what the caller is told.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>
    /// A rename is an entry of the folder: until the folder itself is fsynced, a power cut can bring the old entry back.
    /// .NET cannot open a folder as a stream, so this calls open/fsync directly. Windows has no such step (NTFS journals
    /// the rename); a file system that cannot fsync a folder (EINVAL) has nothing to flush.
    /// </summary>
    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Native.Open(Encoding.UTF8.GetBytes(folder + '\0'), Native.ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open folder '{folder}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Native.Fsync(descriptor) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != Native.InvalidArgument)
            {
                throw new IOException($"Cannot flush folder '{folder}' to disk (errno {errno}).");
            }
        }
        finally
        {
            _ = Native.Close(descriptor);
        }
    }

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which this project does not allow.
    private static class Native
    {
        public const int ReadOnly = 0;
        public const int InvalidArgument = 22;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int descriptor);
    }
}
