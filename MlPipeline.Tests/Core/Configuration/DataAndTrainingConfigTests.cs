using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class DataAndTrainingConfigTests
{
    [TestCase("data:\n  chunk_size: 0", "data.chunk_size = '0' must be between 1 and 100000")]
    [TestCase("data:\n  missing_categorical: fill_mean", "data.missing_categorical = 'fill_mean' is not allowed; allowed: reject, fill_default")]
    [TestCase("data:\n  missing_numeric: guess", "data.missing_numeric = 'guess' is not one of reject, fill_default, fill_mean")]
    [TestCase("data:\n  uploads_dir: ../up", "data.uploads_dir = '../up' must be a relative path inside data.data_dir")]
    [TestCase("data:\n  feature_columns: \"Age, Total Amount\"", "data.feature_columns = 'Age, Total Amount' contains the label column 'Total Amount'; the label can never be a feature")]
    [TestCase("training:\n  trainer: xgboost", "training.trainer = 'xgboost' is not one of fasttree, lightgbm, sdca, fastforest, auto")]
    [TestCase("training:\n  holdout_fraction: 0.9", "training.holdout_fraction = '0.9' must be between 0.05 and 0.5")]
    [TestCase("training:\n  model_name: ../x", "training.model_name = '../x' is not a valid model name: letters, digits, '.', '_' or '-', not starting with '.'")]
    [TestCase("training:\n  promotion_metric: accuracy", "training.promotion_metric = 'accuracy' is not one of r_squared, rmse, mae")]
    [TestCase("training:\n  keep_versions: 0", "training.keep_versions = '0' must be between 1 and 10000")]
    public void Load_InvalidValue_StopsWithOneLineNamingTheKey(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();

        var exception = Assert.Throws<ConfigurationException>(() => directory.Load(yaml));

        Assert.That(exception!.Errors, Has.Count.EqualTo(1).And.Some.EndsWith(expected));
    }

    [Test]
    public void Sections_MapOntoTheLogicsOptions()
    {
        using var directory = new TemporaryConfigDirectory();
        var config = directory.Load(
            "data:\n  label_column: y\n  feature_columns: \"a, b\"\n  missing_numeric: fill_mean\n" +
            "training:\n  trainer: lightgbm\n  threads: 1\n  promotion_mode: always\n  keep_versions: 3\n");

        var processing = config.Data.ToProcessingOptions();
        var training = config.Training.ToTrainingOptions();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(processing.LabelColumn, Is.EqualTo("y"));
            Assert.That(config.Data.ToProcessingOptions("z").LabelColumn, Is.EqualTo("z"), "a request's label wins");
            Assert.That(processing.FeatureColumns, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(processing.MissingValues.Numeric, Is.EqualTo(MissingValuePolicy.FillMean));
            Assert.That(training.Trainer, Is.EqualTo(TrainerKind.LightGbm));
            Assert.That(training.NumberOfThreads, Is.EqualTo(1));
            Assert.That(config.Training.ToPromotionOptions().Mode, Is.EqualTo(PromotionMode.Always));
            Assert.That(config.Training.ToModelStoreOptions().KeepVersions, Is.EqualTo(3));
        }
    }
}
