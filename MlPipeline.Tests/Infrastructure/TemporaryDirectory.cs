namespace MlPipeline.Tests.Infrastructure;

/// <summary>A unique directory under the system temp folder, deleted (with its contents) on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory(string prefix = "mlpipeline")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), UniqueNames.For(prefix));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
