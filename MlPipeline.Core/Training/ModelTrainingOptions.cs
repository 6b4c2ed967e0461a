using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace MlPipeline.Core.Training;

/// <summary>The ML.NET regression trainer to use.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainerKind>))]
public enum TrainerKind
{
    /// <summary>Gradient-boosted trees (MART). Good default for tabular data; needs no normalization.</summary>
    FastTree,

    /// <summary>LightGBM gradient boosting.</summary>
    LightGbm,

    /// <summary>Linear model (stochastic dual coordinate ascent); features are mean/variance normalized first.</summary>
    Sdca,

    /// <summary>Random forest of regression trees.</summary>
    FastForest,
}

/// <summary>
/// How <see cref="ModelTrainer"/> trains and evaluates. Maps to the <c>training</c> section of the
/// config. Stored verbatim in each model's metadata.
/// </summary>
public sealed record ModelTrainingOptions
{
    /// <summary>The trainer.</summary>
    /// <value>Defaults to <see cref="TrainerKind.FastTree"/>.</value>
    public TrainerKind Trainer { get; init; } = TrainerKind.FastTree;

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

    /// <summary>Maximum passes over the data for Sdca, or null to let ML.NET decide.</summary>
    /// <value>Defaults to null.</value>
    public int? SdcaMaximumIterations { get; init; }

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
