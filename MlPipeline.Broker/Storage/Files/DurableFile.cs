namespace MlPipeline.Broker.Storage.Files;

/// <summary>Whole-file replacement that never leaves a half-written file under the final name.</summary>
internal static class DurableFile
{
    /// <summary>Writes <paramref name="contents"/> to a temp file, fsyncs it, then renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
