using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Data;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
public sealed class ModelTrainerTests
{
    private static readonly ModelTrainingOptions FastOptions = new() { Trainer = TrainerKind.FastTree, NumberOfTrees = 40, NumberOfThreads = 1 };

    private static TrainedModel Train(IReadOnlyList<ProcessedRow> rows, DatasetSchema schema, ModelTrainingOptions? options = null) =>
        new ModelTrainer(options ?? FastOptions, TimeProvider.System)
            .Train("ds", schema, new DataProcessingOptions { LabelColumn = schema.LabelColumn }, rows, CancellationToken.None);

    [Test]
    public void KnownNoisyRelationship_HoldoutRSquaredApproachesTheTheoreticalMaximum()
    {
        var data = SyntheticRegressionData.Generate(1500);

        var report = Train(data.Rows, SyntheticRegressionData.Schema).Report;

        TestContext.Out.WriteLine($"R² {report.Metrics!.RSquared:F4} of theoretical {data.TheoreticalMaxRSquared:F4}");
        Assert.That(report.Metrics!.RSquared, Is.GreaterThan(0.8 * data.TheoreticalMaxRSquared));
    }

    [TestCase(TrainerKind.FastTree)]
    [TestCase(TrainerKind.LightGbm)]
    [TestCase(TrainerKind.Sdca)]
    [TestCase(TrainerKind.FastForest)]
    public void EachTrainerKind_TrainsAndPredictsSensibly(TrainerKind kind)
    {
        var data = SyntheticRegressionData.Generate(400);

        var report = Train(data.Rows, SyntheticRegressionData.Schema, FastOptions with { Trainer = kind }).Report;
        TestContext.Out.WriteLine($"{kind}: R² {report.Metrics!.RSquared:F4}");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Metrics!.RSquared, Is.GreaterThan(0.6));
            Assert.That(report.Metrics.RootMeanSquaredError, Is.Positive);
            Assert.That(report.Metrics.MeanAbsoluteError, Is.Positive);
        }
    }

    [Test]
    public void Split_UsesTheHoldoutFractionAndKeepsFeatureOrderInTheReport()
    {
        var data = SyntheticRegressionData.Generate(200);

        var report = Train(data.Rows, SyntheticRegressionData.Schema, FastOptions with { HoldoutFraction = 0.25 }).Report;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.HoldoutRowCount, Is.EqualTo(50));
            Assert.That(report.TrainRowCount, Is.EqualTo(150));
            Assert.That(report.NumericFeatures, Is.EqualTo(new[] { "x1", "x2", "when.year", "when.month", "when.day", "when.day_of_week" }));
            Assert.That(report.CategoricalFeatures, Is.EqualTo(new[] { "category" }));
        }
    }

    [Test]
    public void Statistics_DescribeTheTrainingRows()
    {
        var data = SyntheticRegressionData.Generate(200);

        var report = Train(data.Rows, SyntheticRegressionData.Schema).Report;

        var x1 = report.NumericStatistics["x1"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(x1.Count, Is.EqualTo(report.TrainRowCount));
            Assert.That(x1.Min, Is.GreaterThanOrEqualTo(0));
            Assert.That(x1.Max, Is.LessThanOrEqualTo(10));
            Assert.That(x1.BinEdges, Has.Count.EqualTo(x1.BinProportions.Count + 1));
            Assert.That(x1.BinProportions.Sum(), Is.EqualTo(1).Within(1e-9));
            Assert.That(report.CategoricalStatistics["category"].Frequencies.Keys, Is.EquivalentTo(new[] { "A", "B", "C" }));
            Assert.That(report.CategoricalStatistics["category"].Frequencies.Values.Sum(), Is.EqualTo(1).Within(1e-9));
        }
    }

    [Test]
    public void ShuffledLabels_DestroyTheFit()
    {
        var data = SyntheticRegressionData.Generate(600);
        var random = new Random(11);
        var labels = data.Rows.Select(r => r.Label).ToArray();
        random.Shuffle(labels);
        var shuffled = data.Rows.Select((r, i) => r with { Label = labels[i] }).ToList();

        var report = Train(shuffled, SyntheticRegressionData.Schema).Report;

        TestContext.Out.WriteLine($"shuffled R² {report.Metrics!.RSquared:F4}");
        Assert.That(report.Metrics!.RSquared, Is.LessThan(0.1));
    }

    [Test]
    public async Task SampleData_FeaturesExcludeTheLabelAndAnyColumnEqualToIt()
    {
        var options = new DataProcessingOptions();
        var schema = await new SchemaInference(options)
            .InferAsync(new CsvRowStream().ReadFileAsync(TestData.SalesDatasetPath, CancellationToken.None), CancellationToken.None);
        var processor = new RowProcessor(schema, options);
        var rows = new List<ProcessedRow>();
        await foreach (var csvRow in new CsvRowStream().ReadFileAsync(TestData.SalesDatasetPath, CancellationToken.None))
        {
            rows.Add(processor.Process("sales", csvRow).Row!);
        }

        var report = Train(rows, schema).Report;

        var numericEqualToLabel = report.NumericFeatures.Where(name => rows.All(r => r.Numeric[name] == r.Label));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.NumericFeatures.Concat(report.CategoricalFeatures), Has.None.EqualTo("Total Amount"));
            Assert.That(numericEqualToLabel, Is.Empty);
        }
    }

    [Test]
    public void TooFewRows_AreRefusedWithTheCounts()
    {
        var data = SyntheticRegressionData.Generate(5);

        Assert.That(
            () => Train(data.Rows, SyntheticRegressionData.Schema),
            Throws.InvalidOperationException.With.Message.Contains("has 5 rows; training needs at least 10"));
    }

    [Test]
    public void CancelledToken_StopsTraining()
    {
        var data = SyntheticRegressionData.Generate(100);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(
            () => new ModelTrainer(FastOptions, TimeProvider.System).TrainAsync(
                "ds", SyntheticRegressionData.Schema, new DataProcessingOptions { LabelColumn = "y" }, data.Rows, cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void CancelledToken_StopsSynchronousTrainingInsideMlNet()
    {
        var data = SyntheticRegressionData.Generate(100);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(
            () => new ModelTrainer(FastOptions, TimeProvider.System).Train(
                "ds", SyntheticRegressionData.Schema, new DataProcessingOptions { LabelColumn = "y" }, data.Rows, cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
