using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using MlPipeline.Tests.Host.DataPipeline;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Security;

/// <summary>Uploads cannot fill the disk: a size limit (413), and no file left by a refusal, a cut-off body or a full queue.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class UploadLimitsTests
{
    private const string SmallCsv = "Quantity,Price,Total Amount\n1,2,2\n3,4,12\n";

    [Test]
    public async Task Upload_ContentLengthOverTheLimit_Answers413AndLeavesNoFile()
    {
        await using var host = await StartAsync(maxUploadBytes: 1000);

        using var response = await host.Client.PostAsync("/api/ingest/upload", new StringContent(new string('1', 5000), Encoding.UTF8, "text/csv"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("data.max_upload_bytes"));
            Assert.That(UploadedFiles(host), Is.Empty);
        }
    }

    [Test]
    public async Task Upload_ChunkedBodyOverTheLimit_Answers413AndLeavesNoFile()
    {
        await using var host = await StartAsync(maxUploadBytes: 1000);

        // No Content-Length: the limit is only found while reading.
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes("Quantity\n" + string.Concat(Enumerable.Repeat("1\n", 3000)))));
        content.Headers.ContentType = new("text/csv");
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(UploadedFiles(host), Is.Empty);
        }
    }

    [Test]
    public async Task Upload_UnderTheLimit_IsAcceptedAndWrittenOnlyForItsOwner()
    {
        await using var host = await StartAsync(maxUploadBytes: 1000, "  keep_uploads: true\n");

        using var response = await host.Client.PostAsync("/api/ingest/upload", new StringContent(SmallCsv, Encoding.UTF8, "text/csv"));
        var datasetId = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("dataset_id").GetString();

        var file = Path.Combine(host.DataDirectory, "data", "uploads", datasetId + ".csv");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(File.ReadAllText(file), Is.EqualTo(SmallCsv));
            if (!OperatingSystem.IsWindows())
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    [Test]
    public async Task Upload_IngestionCompleted_FileIsDeletedUnlessKeepUploads()
    {
        await using var host = await StartAsync(maxUploadBytes: 1000);
        await using var keeping = await StartAsync(maxUploadBytes: 1000, "  keep_uploads: true\n");

        var deleted = await UploadAndWaitAsync(host);
        var kept = await UploadAndWaitAsync(keeping);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => File.Exists(deleted), Is.False.After(20_000, 100), "the upload was deleted once ingested");
            Assert.That(File.Exists(kept), Is.True, "data.keep_uploads: true keeps it");
        }
    }

    private static async Task<string> UploadAndWaitAsync(PipelineHostRunner host)
    {
        using var response = await host.Client.PostAsync("/api/ingest/upload", new StringContent(SmallCsv, Encoding.UTF8, "text/csv"));
        var datasetId = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("dataset_id").GetString();
        Assert.That(async () => (await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/ingestions/{datasetId}")).GetProperty("state").GetString(),
            Is.AnyOf("published", "processing", "completed").After(30_000, 100));
        return Path.Combine(host.DataDirectory, "data", "uploads", datasetId + ".csv");
    }

    [Test]
    public async Task Upload_CutOffMidBody_LeavesNoFile()
    {
        await using var host = await StartAsync(maxUploadBytes: 10_000_000);
        var address = host.Client.BaseAddress!;

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(address.Host, address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /api/ingest/upload HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n"));
            await stream.WriteAsync(Encoding.ASCII.GetBytes("Quantity,Total Amount\n" + string.Concat(Enumerable.Repeat("1,2\n", 2000))));
            await stream.FlushAsync();
            // The upload is being written: only now is its disappearance meaningful.
            Assert.That(() => UploadedFiles(host), Is.Not.Empty.After(20_000, 50));
        }

        Assert.That(() => UploadedFiles(host), Is.Empty.After(20_000, 100), "the cut-off upload's file was removed");
    }

    [Test]
    public async Task Upload_IngestionQueueFull_Answers503AndLeavesNoFile()
    {
        await using var host = await StartAsync(maxUploadBytes: 1000, "  ingestion_queue_capacity: 1\nperformance:\n  producer_threads: 1\n");
        using var blocking = FifoCsvFile.Create(Path.Combine(host.DataDirectory, "data", "blocking.csv"));

        // The first ingestion waits on a pipe nobody writes: it holds the only slot, so the queue fills up.
        var refusedIngest = false;
        for (var i = 0; i < 6 && !refusedIngest; i++)
        {
            using var ingest = await host.Client.PostAsJsonAsync("/api/ingest", new { file_path = "blocking.csv" });
            refusedIngest = ingest.StatusCode == HttpStatusCode.ServiceUnavailable;
        }

        using var response = await host.Client.PostAsync("/api/ingest/upload", new StringContent(SmallCsv, Encoding.UTF8, "text/csv"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusedIngest, Is.True, "the queue filled up");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(UploadedFiles(host), Is.Empty);
        }
    }

    private static Task<PipelineHostRunner> StartAsync(long maxUploadBytes, string moreData = "") =>
        PipelineHostRunner.StartAsync(
            $"data:\n  data_dir: \"{{dir}}/data\"\n  ingest_sample_on_first_start: false\n  max_upload_bytes: {maxUploadBytes}\n{moreData}");

    private static string[] UploadedFiles(PipelineHostRunner host)
    {
        var uploads = Path.Combine(host.DataDirectory, "data", "uploads");
        return Directory.Exists(uploads) ? Directory.GetFiles(uploads) : [];
    }

    /// <summary>A readable stream that does not know its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
