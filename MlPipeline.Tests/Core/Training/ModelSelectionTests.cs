using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

/// <summary>
/// trainer auto on data whose best model is known: it must find the linear optimum on linear data, beat every linear
/// model on non-linear data, and choose without ever looking at the holdout.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ModelSelectionTests
{
    // Small budgets keep the suite fast; one thread makes the choice reproducible run to run.
    private static readonly ModelTrainingOptions AutoOptions = new() { Trainer = TrainerKind.Auto, NumberOfThreads = 1, SearchSeconds = 60, CrossValidationFolds = 3 };

    private static TrainingReport Train(KnownStructureData data, ModelTrainingOptions options) =>
        new ModelTrainer(options, TimeProvider.System)
            .Train("known", data.Schema, new DataProcessingOptions { LabelColumn = "y" }, data.Rows, CancellationToken.None).Report;

    /// <summary>Holdout R² of ordinary least squares fitted on the trainer's own training split.</summary>
    private static double OrdinaryLeastSquaresHoldoutRSquared(KnownStructureData data, ModelTrainingOptions options)
    {
        var (train, holdout) = ModelTrainer.Split(data.Rows, options);
        var ols = OrdinaryLeastSquares.Fit(train.Select(data.FeaturesOf).ToList(), train.Select(r => r.Label).ToList());
        return OrdinaryLeastSquares.RSquared(holdout.Select(r => ols(data.FeaturesOf(r))).ToList(), holdout.Select(r => r.Label).ToList());
    }

    [Test]
    public void LinearNoisyProblem_AutoReachesTheLeastSquaresOptimumOnTheHoldout()
    {
        var data = KnownStructureData.Regression(300, 4, x => (2 * x[0]) - x[1] + (0.5 * x[2]) + (0 * x[3]), noise: 1.5, seed: 11);

        var report = Train(data, AutoOptions);
        var optimum = OrdinaryLeastSquaresHoldoutRSquared(data, AutoOptions);

        TestContext.Out.WriteLine($"auto {report.Trainer!.Name}: R² {report.Metrics!.RSquared:F4}; OLS {optimum:F4}");
        Assert.That(report.Metrics.RSquared, Is.GreaterThanOrEqualTo(optimum - 0.02));
    }

    [Test]
    public void NonLinearProblem_AutoBeatsTheBestLinearModel()
    {
        var data = KnownStructureData.Regression(400, 3, x => (3 * Math.Sin(2 * x[0])) + (x[1] * x[1]) + (0.3 * x[2]), noise: 0.5, seed: 12);

        var report = Train(data, AutoOptions);
        var linear = OrdinaryLeastSquaresHoldoutRSquared(data, AutoOptions);

        TestContext.Out.WriteLine($"auto {report.Trainer!.Name}: R² {report.Metrics!.RSquared:F4}; best linear (OLS) {linear:F4}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Trainer.Trainer, Is.Not.EqualTo(TrainerKind.Sdca));
            Assert.That(report.Metrics.RSquared, Is.GreaterThan(linear + 0.2));
        }
    }

    [Test]
    public void Metadata_ListsEveryCandidateWithItsCrossValidationScoreAndTheWinner()
    {
        var data = KnownStructureData.Regression(150, 2, x => x[0] + x[1], noise: 0.5, seed: 13);

        var report = Train(data, AutoOptions);

        var selection = report.Selection!;
        var evaluated = selection.Candidates.Where(c => c.Skipped is null).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(selection.Candidates.Select(c => c.Name), Is.EqualTo(CandidateGrid.For(selection.RowsUsed).Select(c => c.Name)));
            Assert.That(selection.RowsUsed, Is.EqualTo(report.TrainRowCount));
            Assert.That(selection.Metric, Is.EqualTo("r_squared"));
            Assert.That(selection.Folds, Is.InRange(2, 5));
            Assert.That(evaluated, Is.Not.Empty);
            Assert.That(evaluated.Select(c => c.FoldScores.Count), Is.All.EqualTo(selection.Folds));
            Assert.That(evaluated.Select(c => c.StandardDeviation), Is.All.GreaterThanOrEqualTo(0));
            Assert.That(selection.Winner, Is.EqualTo(evaluated.MaxBy(c => c.MeanScore)!.Name));
            Assert.That(report.Trainer!.Name, Is.EqualTo(selection.Winner));
            Assert.That(selection.ElapsedSeconds, Is.Positive);
            Assert.That(report.Timings.SelectionDuration, Is.GreaterThan(TimeSpan.Zero));
        }
    }

    [Test]
    public void Selection_NeverSeesTheHoldout_ChangingHoldoutLabelsKeepsEveryCrossValidationScore()
    {
        var options = AutoOptions with { SearchSeconds = 600 };
        var data = KnownStructureData.Regression(120, 2, x => (2 * x[0]) + Math.Abs(x[1]), noise: 0.5, seed: 14);
        var (_, holdout) = ModelTrainer.Split(data.Rows, options);
        var holdoutRows = holdout.Select(r => r.RowNumber).ToHashSet();
        // Wildly wrong labels on the holdout: if selection saw them, its scores (and likely its choice) would change.
        var tampered = data.Rows
            .Select(r => holdoutRows.Contains(r.RowNumber) ? r with { Label = (r.Label * -10) + 1000 } : r)
            .ToList();

        var original = Train(data, options).Selection!;
        var changed = new ModelTrainer(options, TimeProvider.System)
            .Train("known", data.Schema, new DataProcessingOptions { LabelColumn = "y" }, tampered, CancellationToken.None).Report;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changed.Selection!.Winner, Is.EqualTo(original.Winner));
            Assert.That(changed.Selection.Candidates.Select(c => c.MeanScore), Is.EqualTo(original.Candidates.Select(c => c.MeanScore)));
            // ...while the holdout evaluation did see the change.
            Assert.That(changed.Metrics!.RSquared, Is.LessThan(0));
        }
    }

    [Test]
    public void TimeBudget_SkipsTheCandidatesLeftAndStillPicksAWinner()
    {
        var data = KnownStructureData.Regression(100, 2, x => x[0] - x[1], noise: 0.5, seed: 15);

        // A budget below one candidate's time: the first candidate runs, the rest are recorded as skipped.
        var report = Train(data, AutoOptions with { SearchSeconds = 1e-6 });

        var selection = report.Selection!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(selection.Candidates[0].Skipped, Is.Null);
            Assert.That(selection.Candidates.Skip(1).Select(c => c.Skipped), Is.All.Contains("time budget"));
            Assert.That(selection.Winner, Is.EqualTo(selection.Candidates[0].Name));
        }
    }

    [Test]
    public void ExplicitTrainer_TrainsThatTrainerWithoutSelection()
    {
        var data = KnownStructureData.Regression(100, 2, x => x[0] - x[1], noise: 0.5, seed: 16);

        var report = Train(data, new ModelTrainingOptions { Trainer = TrainerKind.LightGbm, NumberOfTrees = 20, NumberOfThreads = 1 });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Selection, Is.Null);
            Assert.That(report.Trainer!.Trainer, Is.EqualTo(TrainerKind.LightGbm));
            Assert.That(report.Trainer.NumberOfTrees, Is.EqualTo(20));
        }
    }
}
