using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

/// <summary>Small, fast models for store and scorer tests.</summary>
internal static class TrainedModels
{
    public static readonly ModelTrainingOptions FastOptions = new() { Trainer = TrainerKind.FastTree, NumberOfTrees = 20, NumberOfThreads = 1 };

    public static TrainedModel TrainSynthetic(SyntheticRegressionData data, ModelTrainingOptions? options = null, DatasetSchema? schema = null) =>
        new ModelTrainer(options ?? FastOptions, TimeProvider.System).Train(
            "synthetic",
            schema ?? SyntheticRegressionData.Schema,
            new DataProcessingOptions { LabelColumn = "y" },
            data.Rows,
            CancellationToken.None);
}
