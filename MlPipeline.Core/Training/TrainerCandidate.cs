using System.Globalization;

namespace MlPipeline.Core.Training;

/// <summary>
/// One trainer with its hyper-parameters: what model selection cross-validates, and what an explicit
/// <c>training.trainer</c> trains. Tree settings are ignored by <see cref="TrainerKind.Sdca"/> and L2 by the trees.
/// </summary>
/// <param name="Trainer">A concrete trainer, never <see cref="TrainerKind.Auto"/>.</param>
/// <param name="NumberOfTrees">Trees (FastTree, FastForest) or boosting iterations (LightGbm).</param>
/// <param name="L2Regularization">Sdca's L2 weight on normalized features; null lets ML.NET choose.</param>
public sealed record TrainerCandidate(
    TrainerKind Trainer,
    int NumberOfTrees,
    int NumberOfLeaves,
    int MinimumExampleCountPerLeaf,
    double LearningRate,
    float? L2Regularization = null)
{
    /// <summary>A short, stable description for metadata and logs, e.g. <c>fasttree(trees=100, leaves=8, min_leaf=10, lr=0.05)</c>.</summary>
    public string Name => Trainer switch
    {
        TrainerKind.Sdca => L2Regularization is { } l2
            ? string.Create(CultureInfo.InvariantCulture, $"linear(l2={l2:G3})")
            : "sdca",
        TrainerKind.FastForest => string.Create(
            CultureInfo.InvariantCulture, $"fastforest(trees={NumberOfTrees}, leaves={NumberOfLeaves}, min_leaf={MinimumExampleCountPerLeaf})"),
        _ => string.Create(
            CultureInfo.InvariantCulture,
            $"{Trainer.ToString().ToLowerInvariant()}(trees={NumberOfTrees}, leaves={NumberOfLeaves}, min_leaf={MinimumExampleCountPerLeaf}, lr={LearningRate:G3})"),
    };

    /// <summary>The single candidate an explicit trainer setting describes.</summary>
    public static TrainerCandidate FromOptions(ModelTrainingOptions options) => new(
        options.Trainer,
        options.NumberOfTrees,
        options.NumberOfLeaves,
        options.MinimumExampleCountPerLeaf,
        options.LearningRate);
}

/// <summary>
/// The candidates model selection tries, sized to the rows it cross-validates on. Small data gets shallow trees with
/// many rows per leaf and a low learning rate (deep trees memorize a few hundred rows), plus regularized linear models,
/// which are often the best on small tabular data; larger data gets more leaves and trees.
/// </summary>
public static class CandidateGrid
{
    public static IReadOnlyList<TrainerCandidate> For(int rows)
    {
        // Families alternate (linear, boosted trees, forest, then their second settings), so a budget that runs out
        // early has still compared the linear model with tree ensembles.
        TrainerCandidate[] trees = rows switch
        {
            < 2_000 =>
            [
                new(TrainerKind.LightGbm, 200, 4, Math.Clamp(rows / 40, 5, 20), 0.05),
                new(TrainerKind.FastForest, 100, 16, 3, 0),
                new(TrainerKind.LightGbm, 300, 8, Math.Clamp(rows / 40, 5, 20), 0.03),
                new(TrainerKind.FastTree, 100, 4, Math.Clamp(rows / 40, 5, 20), 0.05),
            ],
            < 20_000 =>
            [
                new(TrainerKind.LightGbm, 200, 16, 20, 0.05),
                new(TrainerKind.FastForest, 100, 64, 5, 0),
                new(TrainerKind.LightGbm, 300, 31, 20, 0.05),
                new(TrainerKind.FastTree, 200, 16, 20, 0.1),
            ],
            _ =>
            [
                new(TrainerKind.LightGbm, 300, 31, 50, 0.1),
                new(TrainerKind.FastForest, 100, 128, 20, 0),
                new(TrainerKind.LightGbm, 300, 63, 50, 0.05),
                new(TrainerKind.FastTree, 200, 31, 50, 0.1),
            ],
        };

        // Linear: nearly unregularized (close to least squares / plain logistic regression), then shrunk more.
        return
        [
            new(TrainerKind.Sdca, 0, 0, 0, 0, L2Regularization: 1e-3f),
            trees[0],
            new(TrainerKind.Sdca, 0, 0, 0, 0, L2Regularization: 0.05f),
            trees[1],
            trees[2],
            new(TrainerKind.Sdca, 0, 0, 0, 0, L2Regularization: 0.5f),
            trees[3],
        ];
    }
}
