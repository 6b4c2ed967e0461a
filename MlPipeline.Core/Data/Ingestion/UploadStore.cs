namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// Where uploaded CSVs are written before their ingestion (<c>data.uploads_dir</c>), and how large one may be
/// (<c>data.max_upload_bytes</c>). Each upload is a file only its owner can read (0600); it stays on disk only when
/// <see cref="Upload.Keep"/> is called after the ingestion was accepted, so a rejected, oversized or cut-off upload
/// leaves nothing behind.
/// </summary>
public sealed class UploadStore(string directory, long maxBytes)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public long MaxBytes { get; } = maxBytes;

    /// <summary>A new, empty upload file for <paramref name="datasetId"/>; disposing it without <see cref="Upload.Keep"/> deletes it.</summary>
    public Upload Create(string datasetId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, datasetId + ".csv");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 81920,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Other callers' data: not readable by other local users.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new Upload(path, new FileStream(path, options));
    }

    /// <summary>True when <paramref name="path"/> is an upload of this store (so it may be deleted once ingested).</summary>
    public bool Holds(string path) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Directory, StringComparison.Ordinal);
}

/// <summary>One upload being written. Dispose closes it and, unless <see cref="Keep"/> was called, deletes it.</summary>
public sealed class Upload(string path, FileStream stream) : IAsyncDisposable
{
    private bool _kept;

    public string Path { get; } = path;

    public Stream Stream => stream;

    /// <summary>Flushes and closes the file (the ingestion stage opens it next); it is still deleted on dispose unless kept.</summary>
    public ValueTask CloseAsync() => stream.DisposeAsync();

    /// <summary>Called once the ingestion that reads this file was accepted.</summary>
    public void Keep() => _kept = true;

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        if (!_kept)
        {
            File.Delete(Path);
        }
    }
}
