using System.Text.Json;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary><c>models list</c>: read straight from the model store, with no broker anywhere.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ModelsCommandTests
{
    private const string Model = "sales";
    private ServingModelFixture trained = null!;
    private TemporaryDirectory models = null!;

    [OneTimeSetUp]
    public async Task StoreTwoVersionsAsync()
    {
        trained = new ServingModelFixture();
        models = new TemporaryDirectory();
        var store = await trained.StoreWithBothVersionsAsync(models, Model);
        await store.PromoteAsync(Model, 2, CancellationToken.None);
    }

    [OneTimeTearDown]
    public void DeleteStore() => models.Dispose();

    [Test]
    public async Task List_StoreWithTwoVersions_ShowsBothAndMarksTheCurrent()
    {
        using var cli = WithModelsDir(models.Path);

        var outcome = await cli.RunAsync("models", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.Contain($"{Model}: current version 2"));
            Assert.That(outcome.Output, Does.Match(@"\n\s+1\s+\d{4}-").And.Match(@"\n\s+2\s+\*\s+\d{4}-"));
        }
    }

    [Test]
    public async Task List_Json_CarriesVersionsAndMetrics()
    {
        using var cli = WithModelsDir(models.Path);

        var outcome = await cli.RunAsync("models", "list", "--json");

        var model = JsonDocument.Parse(outcome.Output).RootElement.GetProperty("models")[0];
        var expectedRSquared = trained.Second.Report.Metrics!.RSquared;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(model.GetProperty("name").GetString(), Is.EqualTo(Model));
            Assert.That(model.GetProperty("current_version").GetInt32(), Is.EqualTo(2));
            Assert.That(model.GetProperty("versions").GetArrayLength(), Is.EqualTo(2));
            Assert.That(model.GetProperty("versions")[1].GetProperty("metrics").GetProperty("r_squared").GetDouble(), Is.EqualTo(expectedRSquared).Within(1e-9));
        }
    }

    [Test]
    public async Task List_EmptyStore_SaysSoAndExitsZero()
    {
        using var empty = new TemporaryDirectory();
        using var cli = WithModelsDir(empty.Path);

        var outcome = await cli.RunAsync("models", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.StartWith("no models in "));
        }
    }

    [Test]
    public async Task List_MissingModelsDirectory_ExitsFailureNamingTheKeyAndCreatesNothing()
    {
        using var cli = new CommandLineRunner("training:\n  models_dir: \"{dir}/nope\"\n");

        var outcome = await cli.RunAsync("models", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("training.models_dir").And.Contain("does not exist"));
            Assert.That(Directory.Exists(Path.Combine(cli.DirectoryPath, "nope")), Is.False);
        }
    }

    [Test]
    public async Task List_UnusableConfiguration_ExitsWithUsageCode()
    {
        using var cli = new CommandLineRunner("training:\n  keep_versions: many\n");

        var outcome = await cli.RunAsync("models", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("training.keep_versions"));
        }
    }

    // Embedded mode on port 0: any verb needing a broker would refuse this file, so a success proves none is needed.
    private static CommandLineRunner WithModelsDir(string directory) =>
        new($"broker:\n  mode: embedded\n  port: 0\ntraining:\n  models_dir: \"{directory}\"\n");
}
