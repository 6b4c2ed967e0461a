using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MlPipeline.Tests.Host.Http;

/// <summary>
/// Requests that once made the service answer 500 (or keep a 0-byte file) each get a 4xx problem whose detail names
/// what was wrong, and no upload is left on disk. One real host (Kestrel, embedded broker) for the fixture.
/// </summary>
[TestFixture]
// Its tests run one after the other: each checks that the shared uploads folder is empty afterwards.
[Parallelizable(ParallelScope.Self)]
public sealed class MalformedRequestTests
{
    private PipelineHostRunner host = null!;

    [OneTimeSetUp]
    public async Task StartHost() => host = await PipelineHostRunner.StartAsync();

    [OneTimeTearDown]
    public async Task StopHost() => await host.DisposeAsync();

    private string UploadsDirectory => Path.Combine(host.DataDirectory, "data", "uploads");

    [TestCase("/api/predict", """{"features": [1, 2], "features": [3, 4]}""", "key 'features' appears twice")]
    [TestCase("/api/predict/batch", """{"requests": [{"features": [1], "model": "a", "model": "b"}]}""", "key 'model' appears twice")]
    [TestCase("/api/predict", """{"features": ["\ud800", 1]}""", "lone surrogate")]
    [TestCase("/api/train", """{"model": "m", "model": "n"}""", "key 'model' appears twice")]
    [TestCase("/api/ingest", """{"file_path": "\udfff.csv"}""", "lone surrogate")]
    public async Task JsonBodyThatIsNotStrictJson_Is400NamingTheProblem(string path, string body, string reason)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await host.Client.PostAsync(path, content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [TestCase("/api/predict")]
    [TestCase("/api/ingest")]
    public async Task InvalidUtf8InsideAJsonString_Is400NamingTheEncoding(string path)
    {
        byte[] body = [.. "{\"features\": [\""u8, 0xC3, 0x28, 0xFF, .. "\", 1], \"file_path\": \"x.csv\"}"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await host.Client.PostAsync(path, content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "not valid UTF-8");
    }

    [TestCase("/api/train", """{"model": "sales"}""")]
    [TestCase("/api/ingest", """{"file_path": "sample.csv"}""")]
    [TestCase("/api/predict", """{"features": [1]}""")]
    public async Task UnknownCharset_Is415NamingTheCharset(string path, string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=bogus");
        using var response = await host.Client.PostAsync(path, content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "charset 'bogus' is not supported");
    }

    [TestCase("/api/predict")]
    [TestCase("/api/train")]
    [TestCase("/api/ingest")]
    public async Task BodyThatIsNotJson_Is415NamingTheContentType(string path)
    {
        using var content = new StringContent("{}", Encoding.UTF8, "text/plain");
        using var response = await host.Client.PostAsync(path, content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type must be application/json, got 'text/plain");
    }

    [Test]
    public async Task UploadWithUnknownCharset_Is415AndLeavesNoFile()
    {
        using var content = new ByteArrayContent("a,b\n1,2\n"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "text/csv; charset=bogus");
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "charset 'bogus'");
        Assert.That(UploadedFiles(), Is.Empty);
    }

    [Test]
    public async Task MultipartUploadWithAGarbageBody_Is400AndLeavesNoFile()
    {
        var garbage = new byte[4096];
        new Random(20261205).NextBytes(garbage);
        using var content = new ByteArrayContent(garbage);
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=----fuzz");
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "multipart");
        Assert.That(UploadedFiles(), Is.Empty);
    }

    [Test]
    public async Task MultipartUploadWithA5000CharacterBoundary_Is400AndLeavesNoFile()
    {
        var boundary = new string('b', 5000);
        var body = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\n1,2\n\r\n--{boundary}--\r\n");
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "boundary is 5000 characters long");
        Assert.That(UploadedFiles(), Is.Empty);
    }

    [Test]
    public async Task MultipartUploadWithoutAFilePart_Is400AndLeavesNoFile()
    {
        using var content = new MultipartFormDataContent("----no-file") { { new StringContent("value"), "field" } };
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "has no file part");
        Assert.That(UploadedFiles(), Is.Empty);
    }

    [Test]
    public async Task EmptyUpload_Is400AndLeavesNoFile()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await host.Client.PostAsync("/api/ingest/upload", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "the upload is empty");
        Assert.That(UploadedFiles(), Is.Empty);
    }

    [TestCase("/api/ingest/upload", "text/csv")]
    [TestCase("/api/predict", "application/json")]
    [TestCase("/api/train", "application/json")]
    public async Task ChunkSizeFFFFFFFFFFFFFFFF_Is400WithKestrelsReasonAndLeavesNoFile(string path, string contentType)
    {
        var request = RawHttpResponse.Request("POST", path, $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n",
            "FFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"u8.ToArray());

        var response = await RawHttpResponse.SendAsync(host.Client.BaseAddress!, request, TimeSpan.FromSeconds(20));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Status, Is.EqualTo(400), response.Headers + response.Body);
            Assert.That(JsonDocument.Parse(response.Body).RootElement.GetProperty("detail").GetString(), Does.Contain("chunk").IgnoreCase);
            Assert.That(UploadedFiles(), Is.Empty);
        }
    }

    [Test]
    public async Task Health_AnswersGetAndHeadOnly()
    {
        using var get = await host.Client.GetAsync("/health");
        using var head = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"));
        var others = new List<(string Method, HttpStatusCode Status, string Detail)>();
        foreach (var method in new[] { "PUT", "DELETE", "POST", "PATCH", "BREW" })
        {
            using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/health"));
            var body = await response.Content.ReadAsStringAsync();
            others.Add((method, response.StatusCode, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(head.StatusCode, Is.EqualTo(get.StatusCode));
            Assert.That(others.Select(o => o.Status), Is.All.EqualTo(HttpStatusCode.MethodNotAllowed));
            Assert.That(others.Select(o => o.Detail), Is.All.Contains("is not allowed on /health"));
        }
    }

    [Test]
    public async Task ErrorsOfEveryEndpoint_AreRfc7807Problems()
    {
        string[] paths = ["/api/models/..bad", "/api/models/absent", "/api/ingestions/absent", "/api/no-such-endpoint"];
        foreach (var path in paths)
        {
            using var response = await host.Client.GetAsync(path);
            using (Assert.EnterMultipleScope())
            {
                Assert.That((int)response.StatusCode, Is.InRange(400, 499), path);
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), path);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)response.StatusCode), path);
                Assert.That(problem.GetProperty("detail").GetString(), Is.Not.Empty, path);
            }
        }
    }

    private string[] UploadedFiles() => Directory.Exists(UploadsDirectory) ? Directory.GetFiles(UploadsDirectory) : [];

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        var body = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), Does.Contain(reason), body);
        }
    }
}
