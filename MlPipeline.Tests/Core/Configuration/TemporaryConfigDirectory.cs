using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>A unique temp directory for one test's configuration files; deleted on dispose.</summary>
internal sealed class TemporaryConfigDirectory : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    public static string SeedConfigPath => Path.Combine(TestContext.CurrentContext.TestDirectory, "config", "kafka_config.yaml");

    public string FullPath { get; } = Directory.CreateTempSubdirectory("mlpipeline-config-").FullName;

    /// <summary>Writes <paramref name="content"/> to a file in this directory and returns its full path.</summary>
    public string WriteFile(string fileName, string content)
    {
        var path = Path.Combine(FullPath, fileName);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteConfig(string yaml) => WriteFile("kafka_config.yaml", yaml);

    /// <summary>Loads <paramref name="yaml"/> with no environment overrides.</summary>
    public PipelineConfig Load(string yaml) => PipelineConfigLoader.Load(WriteConfig(yaml), NoEnvironment);

    public void Dispose() => Directory.Delete(FullPath, recursive: true);
}
