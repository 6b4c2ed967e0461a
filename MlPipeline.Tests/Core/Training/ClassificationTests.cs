using MlPipeline.Core.Data;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Training;

/// <summary>
/// Classification end to end on data with a known Bayes rate: text labels in, a classifier selected, accuracy close to
/// the best possible, and predictions that name the class as written with probabilities summing to 1.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ClassificationTests
{
    // The linear candidates come first and suit these generators; a short budget keeps the suite fast without
    // changing what is asserted (any candidate that does run and wins must beat them in cross-validation).
    private static readonly ModelTrainingOptions AutoOptions = new() { Trainer = TrainerKind.Auto, NumberOfThreads = 1, SearchSeconds = 5, CrossValidationFolds = 3 };

    private static TrainedModel Train(KnownStructureData data, ModelTrainingOptions? options = null) =>
        new ModelTrainer(options ?? AutoOptions, TimeProvider.System)
            .Train("known", data.Schema, new DataProcessingOptions { LabelColumn = "y" }, data.Rows, CancellationToken.None);

    /// <summary>Accuracy of the generator's own noiseless rule on the trainer's holdout: the best any model can do there.</summary>
    private static double BayesAccuracyOnHoldout(KnownStructureData data, ModelTrainingOptions options)
    {
        var (_, holdout) = ModelTrainer.Split(data.Rows, options);
        return holdout.Count(r => data.BayesClassifier(data.FeaturesOf(r)) == r.LabelText) / (double)holdout.Count;
    }

    [Test]
    public void BinaryTextLabels_AccuracyWithinTwoPointsOfTheBayesRate()
    {
        // P(stayed) = logistic(2·(x1 + x2 - 0.3)); x3 is noise. The Bayes classifier says stayed where x1 + x2 > 0.3.
        var data = KnownStructureData.Classification(800, 3, ["churned", "stayed"], x => [0, 2 * (x[0] + x[1] - 0.3)], seed: 21);

        var report = Train(data).Report;
        var bayes = BayesAccuracyOnHoldout(data, AutoOptions);

        TestContext.Out.WriteLine($"{report.Trainer!.Name}: accuracy {report.ClassificationMetrics!.Accuracy:F4}, Bayes {bayes:F4}, AUC {report.ClassificationMetrics.AreaUnderRocCurve:F4}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Task, Is.EqualTo(TrainingTask.Binary));
            Assert.That(report.Classes, Is.EqualTo(new[] { "churned", "stayed" }));
            Assert.That(report.Metrics, Is.Null);
            Assert.That(report.ClassificationMetrics.Accuracy, Is.GreaterThanOrEqualTo(bayes - 0.02));
            Assert.That(report.ClassificationMetrics.AreaUnderRocCurve, Is.GreaterThan(0.85));
            Assert.That(report.ClassificationMetrics.MacroF1, Is.GreaterThan(0.8));
            Assert.That(report.ClassificationMetrics.LogLoss, Is.LessThan(0.45));
            Assert.That(report.Selection!.Metric, Is.EqualTo("accuracy"));
        }
    }

    [Test]
    public void FourClassTextLabels_AccuracyWithinTwoPointsOfTheBayesRate()
    {
        // Softmax over logits 2·(x1, x2, -x2, -x1): the most probable class is the sector the point (x1, x2) points to.
        string[] classes = ["east", "north", "south", "west"];
        var data = KnownStructureData.Classification(1000, 2, classes, x => [2 * x[0], 2 * x[1], -2 * x[1], -2 * x[0]], seed: 22);

        var report = Train(data).Report;
        var bayes = BayesAccuracyOnHoldout(data, AutoOptions);

        TestContext.Out.WriteLine($"{report.Trainer!.Name}: accuracy {report.ClassificationMetrics!.Accuracy:F4}, Bayes {bayes:F4}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Task, Is.EqualTo(TrainingTask.Multiclass));
            Assert.That(report.Classes, Is.EqualTo(classes));
            Assert.That(report.ClassificationMetrics.Accuracy, Is.GreaterThanOrEqualTo(bayes - 0.02));
            Assert.That(report.ClassificationMetrics.AreaUnderRocCurve, Is.Null);
        }
    }

    [TestCase(TrainerKind.FastTree)]
    [TestCase(TrainerKind.FastForest)]
    [TestCase(TrainerKind.LightGbm)]
    [TestCase(TrainerKind.Sdca)]
    public async Task Predictions_ReturnTheClassAsWrittenAndProbabilitiesSummingToOne(TrainerKind trainer)
    {
        string[] classes = ["high", "low", "mid"];
        var data = KnownStructureData.Classification(300, 2, classes, x => [4 * (x[0] - 0.7), 4 * (-x[0] - 0.7), 0], seed: 23);
        var trained = Train(data, new ModelTrainingOptions { Trainer = trainer, NumberOfTrees = 20, NumberOfLeaves = 4, MinimumExampleCountPerLeaf = 5, NumberOfThreads = 1 });
        using var directory = new TemporaryDirectory();
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        await store.SaveNewVersionAsync("classes", trained, CancellationToken.None);
        using var scorer = new ModelScorer(await store.LoadModelAsync("classes", 1, CancellationToken.None));

        var high = scorer.Score(new Dictionary<string, object?> { ["x1"] = 1.8, ["x2"] = 0.0 });
        var low = scorer.Score(new Dictionary<string, object?> { ["x1"] = -1.8, ["x2"] = 0.0 });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(high.Error, Is.Null);
            Assert.That(high.Label, Is.EqualTo("high"));
            Assert.That(low.Label, Is.EqualTo("low"));
            Assert.That(high.Probabilities!.Keys, Is.EquivalentTo(classes));
            Assert.That(high.Probabilities.Values.Sum(), Is.EqualTo(1).Within(1e-6));
            Assert.That(low.Probabilities!.Values.Sum(), Is.EqualTo(1).Within(1e-6));
            Assert.That(high.Probabilities.Values, Is.All.InRange(0.0, 1.0));
            Assert.That(high.Prediction, Is.EqualTo(high.Probabilities["high"]).Within(1e-9));
            Assert.That(high.Probabilities["high"], Is.EqualTo(high.Probabilities.Values.Max()));
        }
    }

    [Test]
    public async Task BinaryPredictions_ReturnTheClassAsWrittenAndProbabilitiesSummingToOne()
    {
        var data = KnownStructureData.Classification(300, 2, ["false", "true"], x => [0, 4 * x[1]], seed: 24);
        var trained = Train(data, new ModelTrainingOptions { Trainer = TrainerKind.FastForest, NumberOfTrees = 20, NumberOfThreads = 1 });
        using var directory = new TemporaryDirectory();
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        await store.SaveNewVersionAsync("flags", trained, CancellationToken.None);
        using var scorer = new ModelScorer(await store.LoadModelAsync("flags", 1, CancellationToken.None));

        var yes = scorer.Score(new object?[] { 0.0, 1.9 });
        var no = scorer.Score(new object?[] { 0.0, -1.9 });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(trained.Report.Task, Is.EqualTo(TrainingTask.Binary));
            Assert.That(yes.Label, Is.EqualTo("true"));
            Assert.That(no.Label, Is.EqualTo("false"));
            Assert.That(yes.Probabilities!.Values.Sum(), Is.EqualTo(1).Within(1e-6));
            Assert.That(yes.Probabilities["true"], Is.GreaterThan(0.5));
            Assert.That(no.Probabilities!["false"], Is.GreaterThan(0.5));
        }
    }

    [Test]
    public void FeatureImportance_RanksTheFeatureTheLabelDependsOnFirst()
    {
        // Only x2 decides the class; x1 and x3 are noise.
        var data = KnownStructureData.Classification(300, 3, ["a", "b"], x => [0, 4 * x[1]], seed: 25);

        var report = Train(data, new ModelTrainingOptions { Trainer = TrainerKind.LightGbm, NumberOfTrees = 30, NumberOfThreads = 1 }).Report;

        var importance = report.FeatureImportance!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(importance.Select(i => i.Feature), Is.EquivalentTo(new[] { "x1", "x2", "x3" }));
            Assert.That(importance[0].Feature, Is.EqualTo("x2"));
            Assert.That(importance[0].Importance, Is.GreaterThan(0.2));
            // A noise feature moves a few of the 60 holdout rows at most.
            Assert.That(importance.Skip(1).Select(i => Math.Abs(i.Importance)), Is.All.LessThan(importance[0].Importance / 3));
        }
    }
}
