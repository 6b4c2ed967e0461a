using System.Text.Json;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

[Parallelizable(ParallelScope.All)]
public sealed class ModelScorerTests
{
    private TemporaryDirectory directory = null!;
    private SyntheticRegressionData data = null!;
    private ModelScorer scorer = null!;

    [OneTimeSetUp]
    public async Task TrainSaveAndLoad()
    {
        // Scoring goes through the store on purpose: what serving loads from disk is what we test.
        directory = new TemporaryDirectory();
        data = SyntheticRegressionData.Generate(300);
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        await store.SaveNewVersionAsync("synthetic", TrainedModels.TrainSynthetic(data), CancellationToken.None);
        scorer = new ModelScorer(await store.LoadModelAsync("synthetic", 1, CancellationToken.None), new ModelScorerOptions { MaxPooledEngines = 4 });
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        scorer.Dispose();
        directory.Dispose();
    }

    private object?[] ArrayOf(int row) => scorer.InputColumns.Select(c => (object?)data.RawRows[row][c]).ToArray();

    private Dictionary<string, object?> ObjectOf(int row) => scorer.InputColumns.ToDictionary(c => c, c => (object?)data.RawRows[row][c]);

    [Test]
    public void InputColumns_AreTheRawFeatureColumnsInSchemaOrder()
    {
        Assert.That(scorer.InputColumns, Is.EqualTo(new[] { "x1", "x2", "category", "when" }));
    }

    [Test]
    public void ArrayAndObjectForms_GiveTheSamePrediction()
    {
        var fromArray = scorer.Score(ArrayOf(0));
        var fromObject = scorer.Score(ObjectOf(0));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromArray.Error, Is.Null);
            Assert.That(fromArray.Prediction, Is.EqualTo(fromObject.Prediction));
        }
    }

    [Test]
    public void TypedAndJsonValues_AreEngineeredLikeText()
    {
        var raw = data.RawRows[1];
        var typed = new Dictionary<string, object?>
        {
            ["x1"] = double.Parse(raw["x1"], System.Globalization.CultureInfo.InvariantCulture),
            ["x2"] = double.Parse(raw["x2"], System.Globalization.CultureInfo.InvariantCulture),
            ["category"] = raw["category"],
            ["when"] = DateOnly.ParseExact(raw["when"], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
        var json = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(typed))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scorer.Score(typed).Prediction, Is.EqualTo(scorer.Score(ObjectOf(1)).Prediction));
            Assert.That(scorer.Score(json).Prediction, Is.EqualTo(scorer.Score(ObjectOf(1)).Prediction));
        }
    }

    [Test]
    public void Prediction_IsCloseToTheKnownRelationship()
    {
        // Noise σ = 2; a sound model lands within a few σ of the label on a training-range input.
        var result = scorer.Score(ObjectOf(2));

        Assert.That(result.Prediction!.Value, Is.EqualTo(data.Rows[2].Label).Within(8));
    }

    [Test]
    public void WrongValueCount_NamesTheExpectedOrder()
    {
        var result = scorer.Score(new object?[] { 1.0, 2.0 });

        Assert.That(result.Error, Is.EqualTo("expected 4 values in order (x1, x2, category, when), got 2"));
    }

    [Test]
    public void UnknownName_IsRejected()
    {
        var values = ObjectOf(0);
        values["y"] = 12.0;

        Assert.That(scorer.Score(values).Error, Is.EqualTo("unknown feature(s) 'y'; expected: x1, x2, category, when"));
    }

    [TestCase("x1", null, "column 'x1' is missing")]
    [TestCase("x1", "abc", "column 'x1' value 'abc' is not a number")]
    [TestCase("x1", double.NaN, "column 'x1' value NaN is not a finite number")]
    [TestCase("x2", double.PositiveInfinity, "column 'x2' value Infinity is not a finite number")]
    [TestCase("category", "", "column 'category' is missing")]
    [TestCase("when", "yesterday", "column 'when' value 'yesterday' is not a date")]
    public void BadValue_GivesAPreciseError(string column, object? value, string error)
    {
        var values = ObjectOf(0);
        values[column] = value;

        Assert.That(scorer.Score(values).Error, Is.EqualTo(error));
    }

    [Test]
    public void StructuredJsonValue_IsRejected()
    {
        var values = ObjectOf(0);
        values["x1"] = JsonDocument.Parse("[1]").RootElement;

        Assert.That(scorer.Score(values).Error, Is.EqualTo("column 'x1' must be a number or a string, got Array"));
    }

    [Test]
    public async Task ConcurrentScoring_FromManyTasks_MatchesSequentialScoring()
    {
        var expected = Enumerable.Range(0, 20).Select(i => scorer.Score(ArrayOf(i)).Prediction).ToArray();

        var tasks = Enumerable.Range(0, 16).Select(t => Task.Run(() =>
            Enumerable.Range(0, 100).All(n => scorer.Score(ArrayOf((t + n) % 20)).Prediction == expected[(t + n) % 20])));
        var results = await Task.WhenAll(tasks);

        Assert.That(results, Is.All.True);
    }

    [TestCase(TrainerKind.LightGbm)]
    [TestCase(TrainerKind.Sdca)]
    [TestCase(TrainerKind.FastForest)]
    public async Task EveryTrainerKind_SurvivesSaveLoadAndScores(TrainerKind kind)
    {
        using var kindDirectory = new TemporaryDirectory();
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = kindDirectory.Path }, TimeProvider.System);
        var small = SyntheticRegressionData.Generate(120);
        await store.SaveNewVersionAsync("m", TrainedModels.TrainSynthetic(small, TrainedModels.FastOptions with { Trainer = kind }), CancellationToken.None);
        using var loaded = new ModelScorer(await store.LoadModelAsync("m", 1, CancellationToken.None));

        var result = loaded.Score(loaded.InputColumns.Select(c => (object?)small.RawRows[0][c]).ToArray());

        Assert.That(result.Prediction, Is.Not.Null.And.Matches<double?>(p => double.IsFinite(p!.Value)));
    }
}
