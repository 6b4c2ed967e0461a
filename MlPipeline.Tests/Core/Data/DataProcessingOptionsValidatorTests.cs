using MlPipeline.Core.Data;

namespace MlPipeline.Tests.Core.Data;

[Parallelizable(ParallelScope.All)]
public sealed class DataProcessingOptionsValidatorTests
{
    [Test]
    public void Defaults_AreValid()
    {
        Assert.That(new DataProcessingOptionsValidator().Validate(null, new DataProcessingOptions()).Succeeded, Is.True);
    }

    [Test]
    public void LabelAmongFeatureColumnsAndFillMeanForCategoricals_AreBothReported()
    {
        var options = new DataProcessingOptions
        {
            FeatureColumns = ["Age", "Total Amount"],
            MissingValues = new MissingValuePolicies { Categorical = MissingValuePolicy.FillMean },
        };

        var result = new DataProcessingOptionsValidator().Validate(null, options);

        Assert.That(result.Failures, Is.EquivalentTo(new[]
        {
            "missing_values.categorical is 'fill_mean'; allowed: reject, fill_default",
            "feature_columns contains the label 'Total Amount'; the label can never be a feature",
        }));
    }
}
