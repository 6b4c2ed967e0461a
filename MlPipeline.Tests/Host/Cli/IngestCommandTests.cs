using System.Globalization;
using MlPipeline.Core.Training;
using MlPipeline.Host.Cli;
using MlPipeline.Tests.Host.DataPipeline;

namespace MlPipeline.Tests.Host.Cli;

/// <summary><c>ingest</c> in process: the CSV goes through the running service's processing and training stages.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class IngestCommandTests
{
    private const int RowCount = 300;
    private PipelineHostRunner host = null!;

    [OneTimeSetUp]
    public async Task StartServiceAsync() =>
        host = await PipelineHostRunner.StartAsync(DataPipelineTestHost.Yaml("{dir}/data", extraData: "  chunk_size: 50\n"));

    [OneTimeTearDown]
    public async Task StopServiceAsync() => await host.DisposeAsync();

    [Test]
    public async Task IngestWait_SmallCsv_PrintsTheDatasetAndTheTrainedVersion()
    {
        using var cli = CommandLineRunner.External(DataPipelineTestHost.BootstrapServers(host));
        var csv = WriteSalesCsv(cli.DirectoryPath);

        var outcome = await cli.RunAsync("ingest", csv, "--model", "cli-ingest", "--wait", "--timeout-seconds", "90");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
            Assert.That(outcome.Output, Does.Match($@"dataset ds-[0-9a-f]+: {RowCount} rows of sales\.csv published"));
            Assert.That(outcome.Output, Does.Match(@"trained model 'cli-ingest' version 1: R² -?[0-9.]+"));
        }
    }

    [Test]
    public async Task Ingest_WithoutWait_StoresEveryRowThroughTheService()
    {
        using var cli = CommandLineRunner.External(DataPipelineTestHost.BootstrapServers(host));
        var csv = WriteSalesCsv(cli.DirectoryPath);

        var outcome = await cli.RunAsync("ingest", csv, "--model", "cli-nowait");

        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Success), outcome.ToString());
        var datasetId = outcome.Output.Split(' ', ':')[1];
        var stores = host.Service<TrainingDataStoreProvider>();
        Assert.That(async () => (await stores.GetAsync(CancellationToken.None)).GetProgress(datasetId).IsComplete, Is.True.After(60_000, 100),
            outcome.ToString());
    }

    [Test]
    public async Task Ingest_MissingFile_ExitsWithUsageCodeNamingIt()
    {
        using var cli = CommandLineRunner.External(DataPipelineTestHost.BootstrapServers(host));
        var missing = Path.Combine(cli.DirectoryPath, "nope.csv");

        var outcome = await cli.RunAsync("ingest", missing);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain($"'{missing}' does not exist"));
        }
    }

    [Test]
    public async Task IngestWait_UnknownLabelColumn_ExitsFailureWithTheReason()
    {
        using var cli = CommandLineRunner.External(DataPipelineTestHost.BootstrapServers(host));
        var csv = WriteSalesCsv(cli.DirectoryPath);

        var outcome = await cli.RunAsync("ingest", csv, "--model", "cli-bad-label", "--label", "No Such Column", "--wait", "--timeout-seconds", "5");

        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Failure), outcome.ToString());
    }

    [Test]
    public async Task Ingest_InvalidModelName_ExitsWithUsageCode()
    {
        using var cli = CommandLineRunner.External(DataPipelineTestHost.BootstrapServers(host));

        var outcome = await cli.RunAsync("ingest", "x.csv", "--model", ".hidden");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Error, Does.Contain("--model '.hidden' is not a valid model name"));
        }
    }

    private static string WriteSalesCsv(string directory)
    {
        var path = Path.Combine(directory, "sales.csv");
        DataPipelineTestHost.WriteCsv(path, ",Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount",
            Enumerable.Range(0, RowCount).Select(i => string.Create(CultureInfo.InvariantCulture,
                $"{i},2023-{i % 12 + 1:00}-{i % 28 + 1:00},{(i % 2 == 0 ? "Male" : "Female")},{18 + i % 50},{(i % 3 == 0 ? "Beauty" : "Books")},{1 + i % 4},{25 * (1 + i % 3)},{(1 + i % 4) * 25 * (1 + i % 3)}")));
        return path;
    }
}
