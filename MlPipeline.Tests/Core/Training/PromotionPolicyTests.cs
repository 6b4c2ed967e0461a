using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
public sealed class PromotionPolicyTests
{
    private static ModelMetadata AModel(int version, double rSquared, double rmse = 1.0, params string[] numericFeatures)
    {
        var features = numericFeatures.Length == 0 ? ["x1", "x2"] : numericFeatures;
        var schema = new DatasetSchema("y", features.Select(f => new FeatureColumn(f, FeatureKind.Numeric)).ToList(), []);
        var report = new TrainingReport
        {
            DatasetId = "ds",
            TrainingOptions = new ModelTrainingOptions(),
            Processing = new DataProcessingOptions { LabelColumn = "y" },
            Schema = schema,
            NumericFeatures = features,
            CategoricalFeatures = [],
            NumericStatistics = new Dictionary<string, NumericFeatureStatistics>(),
            CategoricalStatistics = new Dictionary<string, CategoricalFeatureStatistics>(),
            TrainRowCount = 80,
            HoldoutRowCount = 20,
            Metrics = new RegressionMetricsSummary(rSquared, rmse, rmse / 2),
            Timings = new TrainingTimings(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, TimeSpan.Zero, TimeSpan.Zero),
        };
        return new ModelMetadata("sales", version, DateTimeOffset.UnixEpoch, report);
    }

    private static PromotionDecision Decide(ModelMetadata candidate, ModelMetadata? current, PromotionOptions? options = null) =>
        new PromotionPolicy(options ?? new PromotionOptions()).Decide(candidate, current);

    [Test]
    public void NoCurrentModel_Promotes()
    {
        var decision = Decide(AModel(1, 0.5), null);

        Assert.That(decision, Is.EqualTo(new PromotionDecision(true, "v1 promoted: no current model", false)));
    }

    [Test]
    public void BetterRSquared_Promotes()
    {
        Assert.That(Decide(AModel(2, 0.9), AModel(1, 0.8)).Promote, Is.True);
    }

    [Test]
    public void SlightlyWorseWithinMargin_Promotes()
    {
        Assert.That(Decide(AModel(2, 0.795), AModel(1, 0.8)).Promote, Is.True);
    }

    [Test]
    public void WorseBeyondMargin_IsKeptBackWithTheNumbersInTheReason()
    {
        var decision = Decide(AModel(2, 0.7), AModel(1, 0.8));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Promote, Is.False);
            Assert.That(decision.Reason, Is.EqualTo("v2 kept back: RSquared 0.7 vs current v1 0.8, allowed regression 0.01"));
        }
    }

    [Test]
    public void LowerIsBetterMetric_ComparesTheOtherWay()
    {
        var options = new PromotionOptions { Metric = PromotionMetric.RootMeanSquaredError, MaxRegression = 0 };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Decide(AModel(2, 0.1, rmse: 1.0), AModel(1, 0.9, rmse: 2.0), options).Promote, Is.True);
            Assert.That(Decide(AModel(2, 0.9, rmse: 2.0), AModel(1, 0.1, rmse: 1.0), options).Promote, Is.False);
        }
    }

    [Test]
    public void AlwaysMode_PromotesEvenAWorseModel()
    {
        var decision = Decide(AModel(2, 0.1), AModel(1, 0.9), new PromotionOptions { Mode = PromotionMode.Always });

        Assert.That(decision.Promote, Is.True);
    }

    [Test]
    public void DifferentFeatureSet_PromotesWithWarningWithoutComparing()
    {
        var decision = Decide(AModel(2, 0.1, 1.0, "x1", "x3"), AModel(1, 0.9));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Promote, Is.True);
            Assert.That(decision.FeatureSetChanged, Is.True);
            Assert.That(decision.Reason, Does.Contain("feature set differs from current v1"));
        }
    }

    [Test]
    public void NaNCandidateMetric_IsKeptBack()
    {
        Assert.That(Decide(AModel(2, double.NaN), AModel(1, 0.5)).Promote, Is.False);
    }
}
