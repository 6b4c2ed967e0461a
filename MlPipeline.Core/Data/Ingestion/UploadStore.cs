namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// Where uploaded CSVs are written before their ingestion (<c>data.uploads_dir</c>), and how large one may be
/// (<c>data.max_upload_bytes</c>). Each upload is a file only its owner can read (0600), written as
/// <c>{dataset_id}.csv.partial</c> and renamed to <c>{dataset_id}.csv</c> once whole, so a process killed mid-upload
/// leaves a name the next start recognises as unfinished. It stays on disk only when <see cref="Upload.Keep"/> is
/// called after the ingestion was accepted, so a rejected, oversized or cut-off upload leaves nothing behind.
/// </summary>
public sealed class UploadStore(string directory, long maxBytes)
{
    /// <summary>The name of an upload that is whole (it may still be waiting for its ingestion).</summary>
    public const string UploadSuffix = ".csv";

    /// <summary>The name of an upload whose body is still being received.</summary>
    public const string PartialUploadSuffix = ".csv.partial";

    public string Directory { get; } = Path.GetFullPath(directory);

    public long MaxBytes { get; } = maxBytes;

    /// <summary>A new, empty upload file for <paramref name="datasetId"/>; disposing it without <see cref="Upload.Keep"/> deletes it.</summary>
    public Upload Create(string datasetId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var partial = Path.Combine(Directory, datasetId + PartialUploadSuffix);
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

        return new Upload(partial, Path.Combine(Directory, datasetId + UploadSuffix), new FileStream(partial, options));
    }

    /// <summary>True when <paramref name="path"/> is an upload of this store (so it may be deleted once ingested).</summary>
    public bool Holds(string path) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Directory, StringComparison.Ordinal);
}

/// <summary>
/// One upload being written. <see cref="CompleteAsync"/> closes it under its final name; dispose closes it and, unless
/// <see cref="Keep"/> was called, deletes it under whichever name it has.
/// </summary>
public sealed class Upload(string partialPath, string completePath, FileStream stream) : IAsyncDisposable
{
    private bool _complete;
    private bool _kept;

    /// <summary>Where the file is now: its partial name until <see cref="CompleteAsync"/>, its final name after.</summary>
    public string Path => _complete ? completePath : partialPath;

    public Stream Stream => stream;

    /// <summary>Flushes and closes the whole file and gives it its final name (the ingestion stage opens it next).</summary>
    public async ValueTask CompleteAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        File.Move(partialPath, completePath);
        _complete = true;
    }

    /// <summary>Called once the ingestion that reads this file was accepted.</summary>
    public void Keep() => _kept = true;

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        if (!_kept)
        {
            File.Delete(partialPath);
            File.Delete(completePath);
        }
    }
}
