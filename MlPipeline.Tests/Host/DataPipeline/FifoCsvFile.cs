using System.Diagnostics;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>
/// A named pipe posing as a CSV file in the data folder, so a test decides when ingestion can read it. Opening a FIFO
/// blocks until the other side opens it too, so a feed that completes proves the host opened the file, and an
/// ingestion whose file is not fed stays where it is: no timing involved. Ingestion opens its file twice (schema
/// sample, then rows), so a test feeds it twice. Dispose opens both ends at once to release anything still blocked.
/// </summary>
internal sealed class FifoCsvFile : IDisposable
{
    private FifoCsvFile(string path) => Path = path;

    public string Path { get; }

    public static FifoCsvFile Create(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("mkfifo did not start");
        mkfifo.WaitForExit();
        Assert.That(mkfifo.ExitCode, Is.Zero, $"mkfifo {path}");
        return new FifoCsvFile(path);
    }

    /// <summary>Writes <paramref name="content"/> once the host opens the file for reading, then closes the writing end (EOF).</summary>
    public Task FeedAsync(string content) => Task.Factory.StartNew(
        () =>
        {
            // Blocks in open(2) until a reader opens the pipe: that wait is the point.
            using var writer = new StreamWriter(new FileStream(Path, FileMode.Open, FileAccess.Write));
            writer.Write(content);
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    public void Dispose()
    {
        // O_RDWR never blocks on a FIFO and counts as both ends: a reader or writer blocked in open(2) goes on (to EOF).
        using var both = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite);
    }
}
