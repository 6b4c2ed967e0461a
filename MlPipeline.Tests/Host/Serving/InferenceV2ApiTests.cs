using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using MlPipeline.Tests.Core.Serving;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// The Open Inference Protocol (V2) REST endpoints through the real host, every response checked against the
/// protocol's JSON shapes (<see cref="V2Schemas"/>, written down from the protocol's REST specification).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class InferenceV2ApiTests
{
    private ServingModelFixture models = null!;
    private ServingHost host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        models = new ServingModelFixture();
        host = await ServingHost.StartAsync(models);
        Assert.That(async () => (await host.Client.GetAsync("/v2/models/sales/ready")).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(30_000, 100), "the serving stage loaded the model");
    }

    [OneTimeTearDown]
    public async Task StopHost() => await host.DisposeAsync();

    [Test]
    public async Task ServerMetadataAndHealth_AnswerAsTheProtocolSays()
    {
        var metadata = await GetJsonAsync("/v2", HttpStatusCode.OK, V2Schemas.ServerMetadataResponse);
        using var live = await host.Client.GetAsync("/v2/health/live");
        using var ready = await host.Client.GetAsync("/v2/health/ready");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(metadata["name"]!.GetValue<string>(), Is.EqualTo("mlpipeline"));
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [TestCase("/v2/models/sales")]
    [TestCase("/v2/models/sales/versions/1")]
    public async Task ModelMetadata_DescribesOneInputPerFeatureAndThePredictionOutput(string path)
    {
        var metadata = await GetJsonAsync(path, HttpStatusCode.OK, V2Schemas.ModelMetadataResponse);

        var inputs = metadata["inputs"]!.AsArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(metadata["name"]!.GetValue<string>(), Is.EqualTo("sales"));
            Assert.That(metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "1" }));
            Assert.That(inputs.Select(i => i!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "x1", "x2", "category", "when" }));
            Assert.That(inputs.Select(i => i!["datatype"]!.GetValue<string>()), Is.EqualTo(new[] { "FP64", "FP64", "BYTES", "BYTES" }));
            Assert.That(metadata["outputs"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("prediction"));
        }
    }

    [TestCase("/v2/models/absent")]
    [TestCase("/v2/models/sales/versions/2")]
    [TestCase("/v2/models/sales/versions/one")]
    public async Task ModelMetadata_ModelOrVersionNotServed_Is404WithAnError(string path)
    {
        var error = await GetJsonAsync(path, HttpStatusCode.NotFound, V2Schemas.ErrorResponse);
        using var ready = await host.Client.GetAsync($"{path}/ready");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error["error"]!.GetValue<string>(), Does.Contain("not served"));
            Assert.That((int)ready.StatusCode, Is.InRange(400, 499), "a model that is not served is not ready");
        }
    }

    [Test]
    public async Task Infer_ColumnarBatch_ReturnsOnePredictionPerRowEchoingIdAndParameters()
    {
        int[] rows = [10, 11, 12];
        var request = new JsonObject
        {
            ["id"] = "batch-1",
            ["parameters"] = new JsonObject { ["tag"] = "columnar", ["priority"] = 3 },
            ["inputs"] = new JsonArray(
                Column("x1", "FP64", rows.Select(r => (JsonNode?)JsonValue.Create(Number(r, "x1")))),
                Column("x2", "FP64", rows.Select(r => (JsonNode?)JsonValue.Create(Number(r, "x2")))),
                Column("category", "BYTES", rows.Select(r => (JsonNode?)JsonValue.Create(Raw(r, "category")))),
                Column("when", "BYTES", rows.Select(r => (JsonNode?)JsonValue.Create(Raw(r, "when"))))),
            ["outputs"] = new JsonArray(new JsonObject { ["name"] = "prediction" }),
        };

        var response = await InferAsync("/v2/models/sales/infer", request, HttpStatusCode.OK, V2Schemas.InferenceResponse);

        var output = response["outputs"]![0]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response["model_name"]!.GetValue<string>(), Is.EqualTo("sales"));
            Assert.That(response["model_version"]!.GetValue<string>(), Is.EqualTo("1"));
            Assert.That(response["id"]!.GetValue<string>(), Is.EqualTo("batch-1"));
            Assert.That(JsonNode.DeepEquals(response["parameters"], request["parameters"]), Is.True, response.ToJsonString());
            Assert.That(output["name"]!.GetValue<string>(), Is.EqualTo("prediction"));
            Assert.That(output["datatype"]!.GetValue<string>(), Is.EqualTo("FP64"));
            Assert.That(output["shape"]!.AsArray().Select(d => d!.GetValue<int>()), Is.EqualTo(new[] { 3 }));
            Assert.That(output["data"]!.AsArray().Select(d => (double?)d!.GetValue<double>()), Is.EqualTo(await ExpectedAsync(rows)));
        }
    }

    [Test]
    public async Task Infer_TensorInFeatureOrder_FlatOrNestedBytes_MatchesTheModel()
    {
        int[] rows = [13, 14];
        var nested = new JsonArray(rows.Select(r => (JsonNode?)new JsonArray(
            Number(r, "x1"), Raw(r, "x2"), Raw(r, "category"), Raw(r, "when"))).ToArray());
        var flat = new JsonArray(nested.SelectMany(row => row!.AsArray().Select(value => value!.DeepClone())).ToArray());
        var expected = await ExpectedAsync(rows);

        foreach (var data in new[] { nested, flat })
        {
            var request = new JsonObject
            {
                ["inputs"] = new JsonArray(new JsonObject
                {
                    ["name"] = "input-0", ["datatype"] = "BYTES", ["shape"] = new JsonArray(2, 4), ["data"] = data,
                }),
            };

            var response = await InferAsync("/v2/models/sales/versions/1/infer", request, HttpStatusCode.OK, V2Schemas.InferenceResponse);

            Assert.That(response["outputs"]![0]!["data"]!.AsArray().Select(d => (double?)d!.GetValue<double>()), Is.EqualTo(expected), data.ToJsonString());
        }
    }

    [TestCase("/v2/models/absent/infer", 404, "model 'absent' is not served here")]
    [TestCase("/v2/models/sales/versions/7/infer", 404, "version '7' is not served here")]
    public async Task Infer_ModelOrVersionNotServed_Is404(string path, int status, string reason)
    {
        var error = await InferAsync(path, TensorRequest(new JsonArray(1.0, "2", "A", "2023-01-01")), (HttpStatusCode)status, V2Schemas.ErrorResponse);

        Assert.That(error["error"]!.GetValue<string>(), Does.Contain(reason));
    }

    [TestCase("""{"inputs": []}""", "'inputs' must be a non-empty array")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [1, 3], "data": [1, "A", "2023-01-01"]}]}""", "the model takes 4 features per row")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "FP64", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", "send the tensor as BYTES or one input per feature")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [2, 4], "data": [1, "2", "A", "2023-01-01"]}]}""", "holds 8 elements, 'data' has 4")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [1, 4], "data": ["lots", "2", "A", "2023-01-01"]}]}""", "row 0: column 'x1' value 'lots' is not a number")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "NUMBER", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""", "'datatype' must be one of")]
    [TestCase("""{"inputs": [{"name": "x1", "datatype": "FP64", "shape": [1], "data": [1]}, {"name": "x2", "datatype": "FP64", "shape": [1], "data": [2]}, {"name": "category", "datatype": "BYTES", "shape": [1], "data": ["A"]}]}""", "input 'when' is missing")]
    [TestCase("""{"inputs": [{"name": "x1", "datatype": "BYTES", "shape": [1], "data": ["1"]}, {"name": "x2", "datatype": "FP64", "shape": [1], "data": [2]}, {"name": "category", "datatype": "BYTES", "shape": [1], "data": ["A"]}, {"name": "when", "datatype": "BYTES", "shape": [1], "data": ["2023-01-01"]}]}""", "input 'x1' is BYTES; feature 'x1' is numeric, send it as FP64")]
    [TestCase("""{"inputs": [{"name": "x1", "datatype": "FP64", "shape": [1], "data": ["1"]}, {"name": "x2", "datatype": "FP64", "shape": [1], "data": [2]}, {"name": "category", "datatype": "BYTES", "shape": [1], "data": ["A"]}, {"name": "when", "datatype": "BYTES", "shape": [1], "data": ["2023-01-01"]}]}""", "input 'x1' element 0 must be a number (FP64)")]
    [TestCase("""{"inputs": [{"name": "y", "datatype": "FP64", "shape": [1], "data": [1]}]}""", "input 'y' is not a feature of the model")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [1, 4], "data": [1, "2", "A", "someday"]}]}""", "row 0: column 'when' value 'someday' is not a date")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [1, 4], "data": [1, "2", "A", "2023-01-01"]}], "outputs": [{"name": "score"}]}""", "'outputs' may only name 'prediction'")]
    [TestCase("""{"inputs": [{"name": "input-0", "datatype": "BYTES", "shape": [1, 4], "data": [1, "2", "A", "2023-01-01"]}], "parameters": [1]}""", "'parameters' must be an object")]
    [TestCase("""{"inputs": [1, 2""", "the body is not valid JSON")]
    public async Task Infer_RequestThatDoesNotFit_Is400WithTheReason(string body, string reason)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await host.Client.PostAsync("/v2/models/sales/infer", content);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), error.ToJsonString());
            V2Schemas.AssertValid(V2Schemas.ErrorResponse, error);
            Assert.That(error["error"]!.GetValue<string>(), Does.Contain(reason));
        }
    }

    [Test]
    public async Task Readiness_IsFalseBeforeAModelIsPromotedAndTrueAfter()
    {
        await using var empty = await ServingHost.StartAsync(models, promote: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)(await empty.Client.GetAsync("/v2/health/ready")).StatusCode, Is.InRange(400, 499));
            Assert.That((int)(await empty.Client.GetAsync("/v2/models/sales/ready")).StatusCode, Is.InRange(400, 499));
            Assert.That((await empty.Client.GetAsync("/v2/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await empty.PromoteAndAnnounceAsync(version: 1);

        Assert.That(async () => (await empty.Client.GetAsync("/v2/models/sales/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(30_000, 100));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await empty.Client.GetAsync("/v2/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await empty.Client.GetAsync("/v2/models/sales/versions/1/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((int)(await empty.Client.GetAsync("/v2/models/sales/versions/2/ready")).StatusCode, Is.InRange(400, 499));
        }
    }

    private static JsonObject Column(string name, string datatype, IEnumerable<JsonNode?> values)
    {
        var data = new JsonArray(values.ToArray());
        return new JsonObject { ["name"] = name, ["datatype"] = datatype, ["shape"] = new JsonArray(data.Count), ["data"] = data };
    }

    private static JsonObject TensorRequest(JsonArray row) => new()
    {
        ["inputs"] = new JsonArray(new JsonObject { ["name"] = "input-0", ["datatype"] = "BYTES", ["shape"] = new JsonArray(1, row.Count), ["data"] = row }),
    };

    private string Raw(int row, string column) => models.Data.RawRows[row][column];

    private double Number(int row, string column) => double.Parse(Raw(row, column), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<double?[]> ExpectedAsync(IEnumerable<int> rows)
    {
        var expected = new List<double?>();
        foreach (var row in rows)
            expected.Add(await host.ExpectedPredictionAsync(row, version: 1));
        return expected.ToArray();
    }

    private async Task<JsonNode> GetJsonAsync(string path, HttpStatusCode status, JsonSchema schema)
    {
        using var response = await host.Client.GetAsync(path);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(response.StatusCode, Is.EqualTo(status), body.ToJsonString());
        V2Schemas.AssertValid(schema, body);
        return body;
    }

    private async Task<JsonNode> InferAsync(string path, JsonObject request, HttpStatusCode status, JsonSchema schema)
    {
        V2Schemas.AssertValid(V2Schemas.InferenceRequest, request);
        using var response = await host.Client.PostAsJsonAsync(path, request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(response.StatusCode, Is.EqualTo(status), body.ToJsonString());
        V2Schemas.AssertValid(schema, body);
        return body;
    }
}
