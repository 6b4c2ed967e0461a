using System.Globalization;
using System.Text;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Tests.Infrastructure;
using static MlPipeline.Tests.Host.DataPipeline.DataPipelineTestHost;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>
/// <c>performance.producer_threads</c> through the real host: how many ingestions publish at once. Each CSV is a named
/// pipe the test feeds, so an ingestion holds its place (publishing, waiting for its rows) for as long as the test
/// wants, and what runs at once is observed from job states, never from timing.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConcurrentIngestionTests
{
    private static readonly TimeSpan FeedTimeout = TimeSpan.FromSeconds(30);

    private static readonly string Csv = ",Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount\n" + string.Concat(
        Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{i},2023-{(i % 12) + 1:00}-{(i % 28) + 1:00},{(i % 2 == 0 ? "Male" : "Female")},{18 + (i % 50)},Beauty,{1 + (i % 4)},{25 * (1 + (i % 3))},{(1 + (i % 4)) * 25 * (1 + (i % 3))}\n")));

    [Test]
    public async Task ProducerThreadsTwo_TwoIngestionsPublishAtOnce()
    {
        using var data = new TemporaryDirectory("data");
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path) + "performance:\n  producer_threads: 2\n");
        using var fileA = FifoCsvFile.Create(Path.Combine(data.Path, "a.csv"));
        using var fileB = FifoCsvFile.Create(Path.Combine(data.Path, "b.csv"));
        var a = await IngestAsync(host.Client, "a.csv");
        var b = await IngestAsync(host.Client, "b.csv");

        // Both read their schema sample, then both wait for their rows: neither can finish before the test feeds it.
        // (Rows are fed only once "publishing" shows the sample's reader closed, so they reach the rows' reader.)
        await Task.WhenAll(fileA.FeedAsync(Csv), fileB.FeedAsync(Csv)).WaitAsync(FeedTimeout);
        Assert.That(async () => (await State(host, a), await State(host, b)), Is.EqualTo(("publishing", "publishing")).After(30_000, 50));

        await Task.WhenAll(fileA.FeedAsync(Csv), fileB.FeedAsync(Csv)).WaitAsync(FeedTimeout);
        Assert.That(async () => (await State(host, a), await State(host, b)), Is.EqualTo(("completed", "completed")).After(30_000, 100));
    }

    [Test]
    public async Task ProducerThreadsOne_TheSecondIngestionStartsOnlyWhenTheFirstIsPublished()
    {
        using var data = new TemporaryDirectory("data");
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path) + "performance:\n  producer_threads: 1\n");
        using var fileA = FifoCsvFile.Create(Path.Combine(data.Path, "a.csv"));
        using var fileB = FifoCsvFile.Create(Path.Combine(data.Path, "b.csv"));
        var a = await IngestAsync(host.Client, "a.csv");
        var b = await IngestAsync(host.Client, "b.csv");
        await fileA.FeedAsync(Csv).WaitAsync(FeedTimeout);
        Assert.That(async () => await State(host, a), Is.EqualTo("publishing").After(30_000, 50));

        // A now waits for its rows and holds the only slot, so B's file must stay unopened.
        var headOfB = fileB.FeedAsync(Csv);
        var bStateWhileAPublishes = await State(host, b);
        var bOpenedWhileAPublishes = headOfB.IsCompleted;
        await fileA.FeedAsync(Csv).WaitAsync(FeedTimeout);
        await headOfB.WaitAsync(FeedTimeout);
        var aWhenBOpened = host.Service<IngestionService>().Jobs.Get(a)!.State;
        // "publishing" is saved after the schema sample's reader closed: only then is the next writer paired with the
        // rows' reader rather than with the sample's, whose pipe would swallow the rows.
        Assert.That(async () => await State(host, b), Is.EqualTo("publishing").After(30_000, 50));
        await fileB.FeedAsync(Csv).WaitAsync(FeedTimeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bStateWhileAPublishes, Is.EqualTo("queued"));
            Assert.That(bOpenedWhileAPublishes, Is.False, "B's file was opened while A held the only slot");
            Assert.That(aWhenBOpened, Is.EqualTo(IngestionState.Published), "B started only after A had published everything");
            Assert.That(async () => (await State(host, a), await State(host, b)), Is.EqualTo(("completed", "completed")).After(30_000, 100));
        }
    }

    private static async Task<string> State(PipelineHostRunner host, string datasetId) =>
        (await GetJsonAsync(host.Client, $"/api/ingestions/{datasetId}")).GetProperty("state").GetString()!;
}
