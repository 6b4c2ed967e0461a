using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlPipeline.Tests.Core.Serving;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>The HTTP side of serving, end to end through the embedded broker and the serving stage.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionsApiTests
{
    private ServingHost host = null!;

    [OneTimeSetUp]
    public async Task StartHost() => host = await ServingHost.StartAsync(new ServingModelFixture());

    [OneTimeTearDown]
    public async Task StopHost() => await host.DisposeAsync();

    [Test]
    public async Task PostThenGet_ReturnsThePredictionTheModelGivesForThoseFeatures()
    {
        var accepted = await host.Client.PostAsJsonAsync("/api/predict", new JsonObject { ["features"] = host.FeatureArray(0) });
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        var messageId = body.GetProperty("message_id").GetString();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("accepted"));
            Assert.That(body.GetProperty("message").GetString(), Is.Not.Empty);
        }

        Assert.That(async () => (await host.Client.GetAsync($"/api/prediction/{messageId}")).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(20_000, 50));
        var result = (await host.Client.GetFromJsonAsync<JsonElement>($"/api/prediction/{messageId}")).GetProperty("result");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(result.GetProperty("prediction").GetDouble(), Is.EqualTo(await host.ExpectedPredictionAsync(0, version: 1)));
            Assert.That(result.GetProperty("model").GetString(), Is.EqualTo(ServingHost.ModelName));
            Assert.That(result.GetProperty("model_version").GetInt32(), Is.EqualTo(1));
            Assert.That(result.GetProperty("features").GetProperty("category").GetString(), Is.EqualTo(host.Trained.Data.RawRows[0]["category"]));
        }
    }

    [Test]
    public async Task PostWithWaitMs_ReturnsTheResultInOneCall()
    {
        using var response = await host.Client.PostAsJsonAsync("/api/predict?wait_ms=20000", new JsonObject { ["features"] = host.FeatureArray(1) });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("completed"));
            Assert.That(body.GetProperty("result").GetProperty("prediction").GetDouble(), Is.EqualTo(await host.ExpectedPredictionAsync(1, version: 1)));
        }
    }

    [Test]
    public async Task Batch_WithWaitMs_ReturnsEveryResultInRequestOrder()
    {
        var requests = new JsonArray(
            new JsonObject { ["features"] = host.FeatureArray(2) },
            new JsonObject { ["features"] = host.FeatureArray(3), ["model"] = ServingHost.ModelName });

        var body = await host.PostAsync("/api/predict/batch?wait_ms=20000", new JsonObject { ["requests"] = requests });

        var results = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("result")).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("completed"));
            Assert.That(results.Select(r => r.GetProperty("status").GetString()), Is.EqualTo(new[] { "ok", "ok" }));
            Assert.That(results[0].GetProperty("prediction").GetDouble(), Is.EqualTo(await host.ExpectedPredictionAsync(2, version: 1)));
            Assert.That(results[1].GetProperty("prediction").GetDouble(), Is.EqualTo(await host.ExpectedPredictionAsync(3, version: 1)));
        }
    }

    [Test]
    public async Task Batch_WithoutWait_ReturnsOneIdPerRequest()
    {
        var requests = new JsonArray(new JsonObject { ["features"] = host.FeatureArray(4) }, new JsonObject { ["features"] = host.FeatureArray(5) });

        using var response = await host.Client.PostAsJsonAsync("/api/predict/batch", new JsonObject { ["requests"] = requests });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(body.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()).Distinct().Count(), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Get_IdNeverIssued_Is404()
    {
        using var response = await host.Client.GetAsync($"/api/prediction/{Guid.NewGuid()}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("application/json", "{\"features\": [1, 2,", "the body is not valid JSON")]
    
    [TestCase("application/json", "{\"feature\": [1, 2, \"A\", \"2023-01-01\"]}", "missing 'features'")]
    [TestCase("application/json", "{\"features\": \"1,2\"}", "'features' must be an array or an object, got String")]
    [TestCase("application/json", "{\"features\": [1, {\"x\": 2}]}", "'features[1]' must be a number, a string or null, got Object")]
    [TestCase("application/json", "[1, 2, 3]", "the body must be a JSON object, got Array")]
    [TestCase("application/json", "{\"model\": [\"m\"], \"features\": [1]}", "'model' must be a non-empty string, got Array")]
    public async Task Post_MalformedRequest_Is400WithTheReason(string contentType, string body, string reason)
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await host.Client.PostAsync("/api/predict", content);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(reason));
        }
    }

    [Test]
    public async Task Post_BodyOverTheLimit_Is400NamingTheLimit()
    {
        var padding = new string(' ', ServingHost.MaxRequestBytes);
        using var content = new StringContent($"{{\"features\": [1, 2, \"A\", \"2023-01-01\"]{padding}}}", Encoding.UTF8, "application/json");

        using var response = await host.Client.PostAsync("/api/predict", content);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain($"exceeds {ServingHost.MaxRequestBytes} bytes (serving.max_request_bytes)"));
        }
    }

    [Test]
    public async Task Batch_MalformedItem_Is400NamingTheItem()
    {
        var requests = new JsonArray(new JsonObject { ["features"] = host.FeatureArray(0) }, new JsonObject { ["features"] = 5 });

        using var response = await host.Client.PostAsJsonAsync("/api/predict/batch", new JsonObject { ["requests"] = requests });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("'requests[1]': 'features' must be an array or an object, got Number"));
        }
    }

    [TestCase("""{"model": "absent", "features": [1, 2, "A", "2023-01-01"]}""", 404, "model", "no version of model 'absent' has been promoted yet")]
    [TestCase("""{"model": "f,uzz", "features": [1, 2, "A", "2023-01-01"]}""", 400, "model", "'f,uzz' is not a valid model name: letters, digits, '.', '_' or '-', not starting with '.', at most 100 characters")]
    [TestCase("""{"features": [1, 2, "A"]}""", 400, "features", "expected 4 values in order (x1, x2, category, when), got 3")]
    [TestCase("""{"features": {"x1": 1, "x2": 2, "category": "A", "when": "2023-01-01", "y": 3}}""", 400, "features.y", "unknown feature 'y'")]
    [TestCase("""{"features": {"x1": 1, "category": "A", "when": "2023-01-01"}}""", 400, "features.x2", "column 'x2' is missing")]
    [TestCase("""{"features": ["lots", 2, "A", "2023-01-01"]}""", 400, "features[0]", "column 'x1' value 'lots' is not a number")]
    [TestCase("""{"features": [1, "NaN", "A", "2023-01-01"]}""", 400, "features[1]", "column 'x2' value 'NaN' is not a number")]
    [TestCase("""{"features": [1, 2e999, "A", "2023-01-01"]}""", 400, "features[1]", "column 'x2' value '2e999' is not a number")]
    [TestCase("""{"features": [1, 2, "A", "someday"]}""", 400, "features[3]", "column 'when' value 'someday' is not a date")]
    public async Task RequestThatCannotBeScored_IsRefusedAtTheDoorNamingTheField(string request, int status, string field, string reason)
    {
        foreach (var path in new[] { "/api/predict", "/api/predict?wait_ms=20000" })
        {
            using var content = new StringContent(request, Encoding.UTF8, "application/json");
            using var response = await host.Client.PostAsync(path, content);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

            using (Assert.EnterMultipleScope())
            {
                Assert.That((int)response.StatusCode, Is.EqualTo(status), path);
                Assert.That(problem.GetProperty("field").GetString(), Is.EqualTo(field), path);
                Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(reason), path);
            }
        }
    }

    [Test]
    public async Task RefusedRequests_AreNotPublished()
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        var refused = new JsonNode[]
        {
            new JsonObject { ["model"] = marker, ["features"] = host.FeatureArray(0) },
            new JsonObject { ["features"] = new JsonArray(marker, 2, "A", "2023-01-01") },
            new JsonObject { ["features"] = new JsonArray(1, 2, marker) },
            new JsonObject { ["requests"] = new JsonArray(new JsonObject { ["features"] = host.FeatureArray(1) }, new JsonObject { ["features"] = new JsonArray(1, marker, "A", "2023-01-01") }) },
        };
        for (var i = 0; i < refused.Length; i++)
        {
            using var response = await host.Client.PostAsJsonAsync(i == 3 ? "/api/predict/batch" : "/api/predict", refused[i]);
            Assert.That((int)response.StatusCode, Is.EqualTo(i == 0 ? 404 : 400), refused[i].ToJsonString());
        }

        // A refused request would have been acknowledged by Kafka before its answer, so the topic as it is now tells.
        var published = TopicSnapshot.Read(host.BootstrapServers, "ml-pipeline-prediction-requests", TimeSpan.FromSeconds(20));
        Assert.That(published.Where(record => record.Message.Value.Contains(marker, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task Batch_ItemThatDoesNotFitTheModel_Is400NamingTheItemAndField()
    {
        var requests = new JsonArray(new JsonObject { ["features"] = host.FeatureArray(0) }, new JsonObject { ["features"] = new JsonArray(1, 2) });

        using var response = await host.Client.PostAsJsonAsync("/api/predict/batch?wait_ms=20000", new JsonObject { ["requests"] = requests });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(problem.GetProperty("field").GetString(), Is.EqualTo("requests[1].features"));
        }
    }

    [Test]
    public async Task OpenApiDocument_ListsThePredictionEndpoints()
    {
        var document = await host.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(paths.EnumerateObject().Select(path => path.Name),
                Is.SupersetOf(new[] { "/api/predict", "/api/predict/batch", "/api/prediction/{message_id}" }));
            Assert.That(paths.GetProperty("/api/predict").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _),
                Is.True, "the request body is documented");
            Assert.That(paths.GetProperty("/api/predict").GetProperty("post").GetProperty("responses").EnumerateObject().Select(r => r.Name),
                Is.SupersetOf(new[] { "200", "202", "400", "404", "422" }));
        }
    }
}
