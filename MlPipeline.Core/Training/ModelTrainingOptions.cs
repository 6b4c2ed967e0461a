using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>The ML.NET trainer family to use; each has a regression, a binary and a multiclass form.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainerKind>))]
public enum TrainerKind
{
    /// <summary>Gradient-boosted trees (MART). Good default for tabular data; needs no normalization.</summary>
    FastTree,

    /// <summary>LightGBM gradient boosting.</summary>
    LightGbm,

    /// <summary>
    /// Linear model on mean/variance normalized features: SDCA least squares for regression, L-BFGS logistic regression
    /// (binary) or maximum entropy (multiclass) for classification.
    /// </summary>
    Sdca,

    /// <summary>Random forest of regression trees.</summary>
    FastForest,

    /// <summary>
    /// Model selection: cross-validation on the training split over the trainers above and a small grid of their
    /// hyper-parameters sized to the row count (<see cref="CandidateGrid"/>); the best mean score is refit.
    /// </summary>
    Auto,
}


/// <summary>
/// How <see cref="ModelTrainer"/> trains and evaluates. Maps to the <c>training</c> section of the
/// config. Stored verbatim in each model's metadata.
/// </summary>
public sealed record ModelTrainingOptions
{
    /// <summary>The trainer.</summary>
    /// <value>Defaults to <see cref="TrainerKind.Auto"/>.</value>
    public TrainerKind Trainer { get; init; } = TrainerKind.Auto;

    /// <summary>The task, or <see cref="TrainingTask.Auto"/> to infer it from the label.</summary>
    /// <value>Defaults to <see cref="TrainingTask.Auto"/>.</value>
    public TrainingTask Task { get; init; } = TrainingTask.Auto;

    /// <summary>
    /// Time budget of model selection (<see cref="TrainerKind.Auto"/>). Candidates not started within it are
    /// recorded as skipped; the first candidate always runs, so selection always has a winner.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    [Range(1, 86_400)]
    public double SearchSeconds { get; init; } = 30;

    /// <summary>Cross-validation folds of model selection; fewer are used when the training split is tiny.</summary>
    /// <value>Defaults to 5.</value>
    [Range(2, 10)]
    public int CrossValidationFolds { get; init; } = 5;

    /// <summary>
    /// Most training rows model selection cross-validates on (a seeded sample of the training split); the winner is
    /// refit on all of them. Keeps selection on 100k rows within a minute on two cores.
    /// </summary>
    /// <value>Defaults to 20000.</value>
    [Range(100, int.MaxValue)]
    public int SelectionSampleRows { get; init; } = 20_000;

    /// <summary>Most classes a classification label may have; more is refused with the reason (likely a numeric label).</summary>
    /// <value>Defaults to 100.</value>
    [Range(2, 10_000)]
    public int MaxClasses { get; init; } = 100;

    /// <summary>Most integer label values still read as classes when the task is inferred; more make it regression.</summary>
    /// <value>Defaults to 10.</value>
    [Range(2, 10_000)]
    public int MaxIntegerClasses { get; init; } = 10;

    /// <summary>Most holdout rows permutation feature importance scores (a seeded sample above it).</summary>
    /// <value>Defaults to 5000.</value>
    [Range(10, int.MaxValue)]
    public int FeatureImportanceRows { get; init; } = 5_000;

    /// <summary>Fraction of rows held out for evaluation.</summary>
    /// <value>Defaults to 0.2.</value>
    [Range(0.05, 0.5)]
    public double HoldoutFraction { get; init; } = 0.2;

    /// <summary>Seed for the split and for ML.NET, so the same rows train the same model.</summary>
    /// <value>Defaults to 42.</value>
    public int Seed { get; init; } = 42;

    /// <summary>Trees (FastTree, FastForest) or boosting iterations (LightGbm).</summary>
    /// <value>Defaults to 100.</value>
    [Range(1, 10_000)]
    public int NumberOfTrees { get; init; } = 100;

    /// <summary>Leaves per tree (tree trainers).</summary>
    /// <value>Defaults to 20.</value>
    [Range(2, 1_000)]
    public int NumberOfLeaves { get; init; } = 20;

    /// <summary>Minimum rows per leaf (tree trainers).</summary>
    /// <value>Defaults to 10.</value>
    [Range(1, 100_000)]
    public int MinimumExampleCountPerLeaf { get; init; } = 10;

    /// <summary>Learning rate (FastTree, LightGbm).</summary>
    /// <value>Defaults to 0.2.</value>
    [Range(0.0001, 1.0)]
    public double LearningRate { get; init; } = 0.2;

    /// <summary>Trainer threads, or null for ML.NET's choice. 1 makes training bit-for-bit reproducible.</summary>
    /// <value>Defaults to null.</value>
    public int? NumberOfThreads { get; init; }

    /// <summary>Fewest rows a dataset needs before it is trained on.</summary>
    /// <value>Defaults to 10.</value>
    [Range(2, int.MaxValue)]
    public int MinimumRows { get; init; } = 10;

    /// <summary>Equal-width histogram bins kept per numeric feature (for drift/PSI).</summary>
    /// <value>Defaults to 10.</value>
    [Range(1, 1_000)]
    public int HistogramBins { get; init; } = 10;

    /// <summary>Most frequent categories kept per categorical feature in the statistics; the rest are pooled.</summary>
    /// <value>Defaults to 100.</value>
    [Range(1, 100_000)]
    public int MaxTrackedCategories { get; init; } = 100;
}
