using System.Globalization;
using System.Text.Json;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Host.Serving;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Cli;

/// <summary><c>predict</c> in process against the real service (a promoted model in its store), through its embedded broker.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class PredictCommandTests
{
    private ServingHost host = null!;

    [OneTimeSetUp]
    public async Task StartServiceAsync() => host = await ServingHost.StartAsync(new ServingModelFixture());

    [OneTimeTearDown]
    public async Task StopServiceAsync() => await host.DisposeAsync();

    [Test]
    public async Task Predict_FeaturesOfARow_PrintsWhatTheCurrentVersionPredicts()
    {
        using var cli = CommandLineRunner.External(host.BootstrapServers);
        var features = host.FeatureArray(0).Select(value => value!.ToString()).ToArray();

        var outcome = await cli.RunAsync(["predict", .. features, "--json"]);

        var expected = await host.ExpectedPredictionAsync(0, version: 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            var result = JsonDocument.Parse(outcome.Output).RootElement.GetProperty("result");
            Assert.That(result.GetProperty("model_version").GetInt32(), Is.EqualTo(1));
            Assert.That(result.GetProperty("prediction").GetDouble(), Is.EqualTo(expected!.Value).Within(1e-4));
        }
    }

    [Test]
    public async Task Predict_WithoutJson_PrintsOneLineNamingModelAndVersion()
    {
        using var cli = CommandLineRunner.External(host.BootstrapServers);
        var features = host.FeatureArray(1).Select(value => value!.ToString()).ToArray();

        var outcome = await cli.RunAsync(["predict", .. features, "--model", ServingHost.ModelName]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.StartWith("prediction ").And.Contain($"(model '{ServingHost.ModelName}' version 1, request "));
        }
    }

    [Test]
    public async Task Predict_UnknownModel_ExitsFailureWithTheServingError()
    {
        using var cli = CommandLineRunner.External(host.BootstrapServers);

        var outcome = await cli.RunAsync("predict", "1", "2", "a", "2023-01-01", "--model", "no-such-model");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("model 'no-such-model' could not score request"));
        }
    }

    [Test]
    public async Task Predict_NoServiceAnswers_ExitsFailureAfterTheTimeout()
    {
        await using var broker = await EmbeddedBrokerFixture.StartAsync();
        using var cli = CommandLineRunner.External(broker.BootstrapServers);
        var created = await cli.RunAsync("topics", "create", "--all");
        Assert.That(created.ExitCode, Is.EqualTo(ExitCodes.Success), created.ToString());

        var outcome = await cli.RunAsync("predict", "1", "2", "--timeout-ms", "500");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("no result for request").And.Contain("within 500 ms"));
        }
    }

    [TestCase(new[] { "predict" }, "Required argument missing")]
    [TestCase(new[] { "predict", "1", "--timeout-ms", "0" }, "--timeout-ms must be at least 1")]
    public async Task Predict_BadArguments_ExitWithUsageCode(string[] args, string explanation)
    {
        using var cli = CommandLineRunner.External(host.BootstrapServers);

        var outcome = await cli.RunAsync(args);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain(explanation));
        }
    }
}
