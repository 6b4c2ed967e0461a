namespace MlPipeline.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from (scripts, compose file, README) and the host's build output.</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding MlPipeline.sln, found by walking up from the test output folder.</summary>
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>
    /// The host's own build output (MlPipeline.Host/bin/&lt;config&gt;/&lt;tfm&gt;/MlPipeline.Host.dll), not the copy next
    /// to the tests, whose deps.json belongs to the test assembly. Same configuration as the running tests.
    /// </summary>
    public static string HostAssembly()
    {
        var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = tfmDirectory.Parent!.Name;
        string path = File("MlPipeline.Host", "bin", configuration, tfmDirectory.Name, "MlPipeline.Host.dll");
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Build MlPipeline.Host first; expected {path}", path);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(directory.FullName, "MlPipeline.sln")))
                return directory.FullName;
        }

        throw new DirectoryNotFoundException($"No MlPipeline.sln above {AppContext.BaseDirectory}");
    }
}
