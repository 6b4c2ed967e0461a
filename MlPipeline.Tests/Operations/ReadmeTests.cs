using System.CommandLine;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlPipeline.Tests.Operations;

/// <summary>The README's reference sections cannot rot: every configuration key and every verb is documented.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryPaths.File("README.md"));

    [Test]
    public void ConfigurationReference_NamesEveryKeyOfTheSeedFile()
    {
        var reference = Section("## Configuration reference");
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryPaths.File("config", "kafka_config.yaml")))
            stream.Load(reader);
        var keys = ((YamlMappingNode)stream.Documents[0].RootNode).Children
            .SelectMany(section => ((YamlMappingNode)section.Value).Children.Keys
                .Select(key => $"{((YamlScalarNode)section.Key).Value}.{((YamlScalarNode)key).Value}"))
            .ToArray();

        Assert.That(keys.Where(key => !reference.Contains($"| `{key}` |", StringComparison.Ordinal)), Is.Empty,
            "add the missing keys to README.md's Configuration reference table");
    }

    [Test]
    public void CommandLineSection_NamesEveryVerb()
    {
        var section = Section("## Command line");
        var root = MlPipelineCommandLine.CreateRootCommand(new CommandLineConsole(TextWriter.Null, TextWriter.Null, new Dictionary<string, string?>()));
        var verbs = root.Subcommands.SelectMany(command => command.Subcommands.Count == 0
            ? [command.Name]
            : command.Subcommands.Select(sub => $"{command.Name} {sub.Name}"));

        Assert.That(verbs.Where(verb => !section.Contains(verb, StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase("## Quick start")]
    [TestCase("## Trying it with curl")]
    [TestCase("## Moving to real Kafka")]
    [TestCase("## Running as a service")]
    [TestCase("## Troubleshooting")]
    public void Readme_HasTheOperationsSection(string heading) =>
        Assert.That(Readme, Does.Contain($"\n{heading}\n"));

    private static string Section(string heading)
    {
        int start = Readme.IndexOf($"\n{heading}\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"README.md has no '{heading}' section");
        int end = Readme.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
        return end < 0 ? Readme[start..] : Readme[start..end];
    }
}
