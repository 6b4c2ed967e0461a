using System.Globalization;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
public sealed class TaskInferenceTests
{
    private static readonly TaskInference Inference = new(new ModelTrainingOptions());

    private static IReadOnlyList<ProcessedRow> Labels(params string[] labels) => KnownStructureData.WithLabels(labels);

    private static string[] Repeat(int count, Func<int, string> label) => Enumerable.Range(0, count).Select(label).ToArray();

    [Test]
    public void NumericLabelWithManyValues_IsRegression()
    {
        var decision = Inference.Decide("y", Labels(Repeat(50, i => (i * 1.37).ToString(CultureInfo.InvariantCulture))), TrainingTask.Auto);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Task, Is.EqualTo(TrainingTask.Regression));
            Assert.That(decision.Classes, Is.Null);
        }
    }

    [Test]
    public void ManyIntegerValues_IsRegression()
    {
        Assert.That(Inference.Decide("y", Labels(Repeat(50, i => (i * 3).ToString(CultureInfo.InvariantCulture))), TrainingTask.Auto).Task,
            Is.EqualTo(TrainingTask.Regression));
    }

    [Test]
    public void TextLabelWithTwoValues_IsBinaryWithClassesAsWritten()
    {
        var decision = Inference.Decide("y", Labels(Repeat(20, i => i % 3 == 0 ? "yes" : "no")), TrainingTask.Auto);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Task, Is.EqualTo(TrainingTask.Binary));
            Assert.That(decision.Classes!.Names, Is.EqualTo(new[] { "no", "yes" }));
            Assert.That(decision.Reason, Does.Contain("text label"));
        }
    }

    [Test]
    public void BooleanLabel_IsBinaryWithTrueAsTheSecondClass()
    {
        var decision = Inference.Decide("y", Labels(Repeat(20, i => i % 2 == 0 ? "true" : "false")), TrainingTask.Auto);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Task, Is.EqualTo(TrainingTask.Binary));
            Assert.That(decision.Classes!.Names, Is.EqualTo(new[] { "false", "true" }));
        }
    }

    [Test]
    public void FewIntegerValues_AreClassesInNumericOrder()
    {
        var decision = Inference.Decide("y", Labels(Repeat(30, i => (new[] { 10, 2, 1 })[i % 3].ToString(CultureInfo.InvariantCulture))), TrainingTask.Auto);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Task, Is.EqualTo(TrainingTask.Multiclass));
            Assert.That(decision.Classes!.Names, Is.EqualTo(new[] { "1", "2", "10" }));
            Assert.That(decision.Reason, Does.Contain("integer label with 3 distinct values"));
        }
    }

    [Test]
    public void RequestedRegression_OverridesFewIntegerClasses()
    {
        Assert.That(Inference.Decide("y", Labels(Repeat(30, i => (i % 3).ToString(CultureInfo.InvariantCulture))), TrainingTask.Regression).Task,
            Is.EqualTo(TrainingTask.Regression));
    }

    [Test]
    public void RequestedMulticlass_OverridesANumericLabel()
    {
        var decision = Inference.Decide("y", Labels(Repeat(30, i => (i % 2 == 0 ? 0.5 : 1.5).ToString(CultureInfo.InvariantCulture))), TrainingTask.Multiclass);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(decision.Task, Is.EqualTo(TrainingTask.Multiclass));
            Assert.That(decision.Classes!.Names, Is.EqualTo(new[] { "0.5", "1.5" }));
        }
    }

    [Test]
    public void RequestedRegression_OnTextLabels_IsRefusedWithTheReason()
    {
        Assert.That(() => Inference.Decide("churn", Labels("yes", "no", "yes"), TrainingTask.Regression),
            Throws.InvalidOperationException.With.Message.EqualTo("Task regression needs a numeric label, but label 'churn' has text values such as 'yes'."));
    }

    [Test]
    public void RequestedBinary_WithThreeClasses_IsRefusedWithTheClasses()
    {
        Assert.That(() => Inference.Decide("y", Labels("a", "b", "c", "a"), TrainingTask.Binary),
            Throws.InvalidOperationException.With.Message.EqualTo("Task binary needs exactly two classes, but label 'y' has 3: 'a', 'b', 'c'."));
    }

    [Test]
    public void OneClassLabel_IsRefusedWithTheReason()
    {
        Assert.That(() => Inference.Decide("churn", Labels(Repeat(12, _ => "yes")), TrainingTask.Auto),
            Throws.InvalidOperationException.With.Message.EqualTo("Label 'churn' has one class only ('yes' on all 12 rows); a classifier needs at least two classes."));
    }

    [Test]
    public void OneClassLabel_IsRefusedByTheTrainerBeforeAnyTraining()
    {
        var rows = Labels(Repeat(40, _ => "spam"));

        Assert.That(
            () => new ModelTrainer(new ModelTrainingOptions(), TimeProvider.System)
                .Train("ds", KnownStructureData.SchemaFor(2), new DataProcessingOptions { LabelColumn = "y" }, rows, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("one class only ('spam'"));
    }

    [Test]
    public void TooManyTextClasses_AreRefusedWithAHint()
    {
        var options = new ModelTrainingOptions { MaxClasses = 5 };

        Assert.That(() => new TaskInference(options).Decide("y", Labels(Repeat(20, i => $"c{i}")), TrainingTask.Auto),
            Throws.InvalidOperationException.With.Message.Contains("more than 5 distinct values"));
    }

    [Test]
    public void TaskRequestedForTheDataset_OverridesTheConfiguredTaskInTraining()
    {
        // Three integer values would be classes; the dataset asks for regression (as ?task=regression does via its schema).
        var rows = Labels(Repeat(60, i => (i % 3).ToString(CultureInfo.InvariantCulture)));
        var trainer = new ModelTrainer(new ModelTrainingOptions { Trainer = TrainerKind.Sdca, Task = TrainingTask.Auto }, TimeProvider.System);

        var report = trainer.Train("ds", KnownStructureData.SchemaFor(2), new DataProcessingOptions { LabelColumn = "y" }, rows, TrainingTask.Regression, null, CancellationToken.None).Report;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Task, Is.EqualTo(TrainingTask.Regression));
            Assert.That(report.Metrics, Is.Not.Null);
            Assert.That(report.TaskReason, Is.EqualTo("task regression requested"));
        }
    }

    [TestCase("Binary", true, TrainingTask.Binary)]
    [TestCase(" multiclass ", true, TrainingTask.Multiclass)]
    [TestCase("auto", true, TrainingTask.Auto)]
    [TestCase("clustering", false, TrainingTask.Auto)]
    public void TaskSpelling_IsReadLikeTheConfiguration(string text, bool valid, TrainingTask expected)
    {
        var parsed = TaskInference.TryParseTask(text, out var task);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed, Is.EqualTo(valid));
            if (valid)
            {
                Assert.That(task, Is.EqualTo(expected));
            }
        }
    }
}
