namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Where the third-party client scripts live. They run from the SOURCE folder MlPipeline.Tests/ClientScripts,
/// not from the copy in the test output: Node resolves <c>require('kafkajs')</c> from the script's own folder
/// upwards, and scripts/install-test-deps.sh runs <c>npm ci</c> there, whether or not the build ran before it.
/// </summary>
public static class ClientScriptPaths
{
    private const string SolutionFile = "MlPipeline.sln";

    /// <summary>The source ClientScripts folder, found by walking up from the test assembly to the solution.</summary>
    public static string Directory
    {
        get
        {
            for (var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, SolutionFile)))
                    return Path.Combine(folder.FullName, "MlPipeline.Tests", "ClientScripts");
            }
            throw new DirectoryNotFoundException($"no {SolutionFile} above {TestContext.CurrentContext.TestDirectory}");
        }
    }

    public static string Script(string fileName) => Path.Combine(Directory, fileName);
}
