using System.Text.Json.Nodes;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Serving;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

/// <summary>Every request gets a result: scored, or refused with a reason a caller can act on.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PredictionEvaluatorTests
{
    private ServingModelFixture models = null!;
    private TemporaryDirectory directory = null!;
    private ServingModelRegistry registry = null!;
    private PredictionEvaluator evaluator = null!;

    [OneTimeSetUp]
    public async Task LoadModel()
    {
        models = new ServingModelFixture();
        directory = new TemporaryDirectory();
        var store = await models.StoreWithBothVersionsAsync(directory);
        await store.PromoteAsync("m", 1, CancellationToken.None);
        registry = ServingModelFixture.Registry(store);
        await registry.LoadAllAsync(CancellationToken.None);
        evaluator = new PredictionEvaluator(registry, defaultModel: "m");
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        registry.Dispose();
        directory.Dispose();
    }

    private static JsonObject Request(string json) => JsonNode.Parse(json)!.AsObject();

    private double? Expected(int row)
    {
        registry.TryLease("m", out var lease);
        using (lease)
        {
            return lease.Scorer.Score(models.Row(row)).Prediction;
        }
    }

    [Test]
    public void Evaluate_ArrayInModelOrder_ScoresAndNamesTheFeatures()
    {
        var raw = models.Data.RawRows[0];
        var result = evaluator.Evaluate(Request($$"""{"features": [{{raw["x1"]}}, {{raw["x2"]}}, "{{raw["category"]}}", "{{raw["when"]}}"]}""")).Result;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(PredictionResult.Ok));
            Assert.That(result.Prediction, Is.EqualTo(Expected(0)));
            Assert.That(result.Model, Is.EqualTo("m"));
            Assert.That(result.ModelVersion, Is.EqualTo(1));
            Assert.That(result.Features!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "x1", "x2", "category", "when" }));
        }
    }

    [Test]
    public void Evaluate_ObjectByName_ScoresLikeTheArrayForm()
    {
        var raw = models.Data.RawRows[1];
        var result = evaluator.Evaluate(Request(
            $$$"""{"model": "m", "features": {"when": "{{{raw["when"]}}}", "category": "{{{raw["category"]}}}", "x2": {{{raw["x2"]}}}, "x1": "{{{raw["x1"]}}}"}}""")).Result;

        Assert.That(result.Prediction, Is.EqualTo(Expected(1)));
    }

    [TestCase("""{"model": "absent", "features": [1, 2, "A", "2023-01-01"]}""", "no version of model 'absent' has been promoted yet")]
    [TestCase("""{"features": [1, 2]}""", "expected 4 values in order (x1, x2, category, when), got 2")]
    [TestCase("""{"features": {"x1": 1, "x2": 2, "category": "A", "when": "2023-01-01", "colour": "red"}}""", "unknown feature(s) 'colour'")]
    [TestCase("""{"features": ["abc", 2, "A", "2023-01-01"]}""", "column 'x1' value 'abc' is not a number")]
    [TestCase("""{"features": ["NaN", 2, "A", "2023-01-01"]}""", "column 'x1' value 'NaN' is not a number")]
    [TestCase("""{"features": [1, "Infinity", "A", "2023-01-01"]}""", "column 'x2' value 'Infinity' is not a number")]
    [TestCase("""{"features": [1e400, 2, "A", "2023-01-01"]}""", "column 'x1' value '1e400' is not a number")]
    [TestCase("""{"features": [1, 2, "A", "yesterday"]}""", "column 'when' value 'yesterday' is not a date")]
    [TestCase("""{"features": [1, true, "A", "2023-01-01"]}""", "'features[1]' must be a number, a string or null, got True")]
    [TestCase("""{"features": "1,2,A"}""", "'features' must be an array or an object, got String")]
    [TestCase("""{"feature": [1, 2, "A", "2023-01-01"]}""", "missing 'features'")]
    [TestCase("""{"model": 5, "features": [1, 2, "A", "2023-01-01"]}""", "'model' must be a non-empty string, got Number")]
    public void Evaluate_UnscorableRequest_GivesAnErrorResultWithTheReason(string json, string reason)
    {
        var result = evaluator.Evaluate(Request(json)).Result;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Status, Is.EqualTo(PredictionResult.Failed));
            Assert.That(result.Prediction, Is.Null);
            Assert.That(result.Error, Does.Contain(reason));
        }
    }
}
