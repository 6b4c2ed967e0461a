using MlPipeline.Host.Cli;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary>The command tree itself: help, unknown verbs, and <c>serve</c>'s configuration errors (in process).</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class CommandLineTests
{
    [Test]
    public async Task Help_ListsEveryVerbAndExitsZero()
    {
        var outcome = await CommandLineRunner.InvokeAsync(["--help"]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.Contain("serve").And.Contain("topics").And.Contain("health").And.Contain("--config"));
        }
    }

    [TestCase("serve")]
    [TestCase("health")]
    [TestCase("topics", "list")]
    [TestCase("topics", "create")]
    [TestCase("topics", "describe")]
    [TestCase("topics", "roundtrip")]
    [TestCase("ingest")]
    [TestCase("predict")]
    [TestCase("models", "list")]
    public async Task VerbHelp_DescribesTheVerbAndExitsZero(params string[] verb)
    {
        var outcome = await CommandLineRunner.InvokeAsync([.. verb, "--help"]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.Contain("Usage:").And.Contain(string.Join(' ', verb)));
        }
    }

    [Test]
    public async Task UnknownVerb_ExitsWithUsageCodeInsteadOfStartingTheService()
    {
        var outcome = await CommandLineRunner.InvokeAsync(["topcs", "list"]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("'topcs'"));
        }
    }

    [TestCase]
    [TestCase("serve")]
    public async Task Serve_MissingConfigurationFile_ExitsTwoWithOneLine(params string[] verb)
    {
        using var directory = new TemporaryDirectory("cli-serve");
        string missing = Path.Combine(directory.Path, "nope.yaml");

        var outcome = await CommandLineRunner.InvokeAsync([.. verb, "--config", missing]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(outcome.Error, Does.Contain("configuration file not found"));
        }
    }

    [Test]
    public async Task Serve_InvalidValueFromTheEnvironment_ExitsTwoNamingTheKey()
    {
        using var cli = new CommandLineRunner("broker:\n  mode: embedded\n  port: 0\n  data_dir: \"{dir}/broker\"\n");

        var outcome = await cli.RunWithEnvironmentAsync(new Dictionary<string, string?> { ["PORT"] = "eighty" }, "serve");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("http.port (from PORT) = 'eighty'"));
        }
    }
}
