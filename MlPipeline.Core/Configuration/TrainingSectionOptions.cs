using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>training:</c> section: trainer and its options, when to train, where models and training rows are kept
/// and when a new version is promoted. Mapped onto the logic's option records by the <c>To…</c> methods.
/// </summary>
public sealed class TrainingSectionOptions
{
    /// <summary>auto | fasttree | lightgbm | sdca | fastforest. <value>Default auto (model selection).</value></summary>
    public TrainerKind Trainer { get; set; } = TrainerKind.Auto;

    /// <summary>auto | regression | binary | multiclass. <value>Default auto (inferred from the label).</value></summary>
    public TrainingTask Task { get; set; } = TrainingTask.Auto;

    /// <summary>Time budget of model selection, seconds, 1-86400. <value>Default 30.</value></summary>
    public double SearchSeconds { get; set; } = 30;

    /// <summary>Cross-validation folds of model selection, 2-10. <value>Default 5.</value></summary>
    public int CvFolds { get; set; } = 5;

    /// <summary>Fraction of rows held out for evaluation, 0.05-0.5. <value>Default 0.2.</value></summary>
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>Seed of the split and of ML.NET. <value>Default 42.</value></summary>
    public int Seed { get; set; } = 42;

    /// <summary>Trees (FastTree, FastForest) or iterations (LightGbm), 1-10000. <value>Default 100.</value></summary>
    public int NumberOfTrees { get; set; } = 100;

    /// <summary>Leaves per tree, 2-1000. <value>Default 20.</value></summary>
    public int NumberOfLeaves { get; set; } = 20;

    /// <summary>Fewest rows per leaf, 1-100000. <value>Default 10.</value></summary>
    public int MinimumExampleCountPerLeaf { get; set; } = 10;

    /// <summary>Learning rate (FastTree, LightGbm), 0.0001-1. <value>Default 0.2.</value></summary>
    public double LearningRate { get; set; } = 0.2;

    /// <summary>Trainer threads; 0 lets ML.NET choose, 1 is bit-for-bit reproducible. <value>Default 0.</value></summary>
    public int Threads { get; set; }

    /// <summary>Fewest rows a training run needs, >= 2. <value>Default 10.</value></summary>
    public int MinRows { get; set; } = 10;

    /// <summary>Also train on all stored data of a model after this many new rows; 0 = off. <value>Default 0.</value></summary>
    public int RetrainEveryRows { get; set; }

    /// <summary>
    /// Trainings that may wait at once across models, 1-10000 (one per model; further requests for a model join its
    /// waiting one). Beyond it POST /api/train answers 503. <value>Default 100.</value>
    /// </summary>
    public int MaxQueuedTrainings { get; set; } = 100;

    /// <summary>Model name a dataset trains when its request names none. <value>Default <c>sales</c>.</value></summary>
    public string ModelName { get; set; } = "sales";

    /// <summary>Root of the model store. <value>Default <c>models</c>.</value></summary>
    public string ModelsDir { get; set; } = "models";

    /// <summary>Newest versions kept per model name (the current one is always kept), 1-10000. <value>Default 5.</value></summary>
    public int KeepVersions { get; set; } = 5;

    /// <summary>compare_metric | always. <value>Default compare_metric.</value></summary>
    public PromotionMode PromotionMode { get; set; } = PromotionMode.CompareMetric;

    /// <summary>r_squared | rmse | mae. <value>Default r_squared.</value></summary>
    public PromotionMetric PromotionMetric { get; set; } = PromotionMetric.RSquared;

    /// <summary>How much worse than the current version a candidate may be and still be promoted, >= 0. <value>Default 0.01.</value></summary>
    public double PromotionMargin { get; set; } = 0.01;

    /// <summary>Where processed rows and training jobs are kept. <value>Default <c>data/training</c>.</value></summary>
    public string DataDir { get; set; } = "data/training";

    public ModelTrainingOptions ToTrainingOptions() => new()
    {
        Trainer = Trainer,
        Task = Task,
        SearchSeconds = SearchSeconds,
        CrossValidationFolds = CvFolds,
        HoldoutFraction = HoldoutFraction,
        Seed = Seed,
        NumberOfTrees = NumberOfTrees,
        NumberOfLeaves = NumberOfLeaves,
        MinimumExampleCountPerLeaf = MinimumExampleCountPerLeaf,
        LearningRate = LearningRate,
        NumberOfThreads = Threads == 0 ? null : Threads,
        MinimumRows = MinRows,
    };

    public ModelStoreOptions ToModelStoreOptions() => new() { RootDirectory = ModelsDir, KeepVersions = KeepVersions };

    public PromotionOptions ToPromotionOptions() => new() { Mode = PromotionMode, Metric = PromotionMetric, MaxRegression = PromotionMargin };

    public TrainingDataStoreOptions ToDataStoreOptions() => new() { Directory = DataDir };
}
