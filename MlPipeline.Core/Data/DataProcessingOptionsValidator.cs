using Microsoft.Extensions.Options;

namespace MlPipeline.Core.Data;

/// <summary>Rules that span fields of <see cref="DataProcessingOptions"/>; errors quote the bad values.</summary>
public sealed class DataProcessingOptionsValidator : IValidateOptions<DataProcessingOptions>
{
    public ValidateOptionsResult Validate(string? name, DataProcessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MissingValues.Categorical == MissingValuePolicy.FillMean)
        {
            errors.Add("missing_values.categorical is 'fill_mean'; allowed: reject, fill_default");
        }

        if (options.MissingValues.Date == MissingValuePolicy.FillMean)
        {
            errors.Add("missing_values.date is 'fill_mean'; allowed: reject, fill_default");
        }

        if (options.FeatureColumns?.Contains(options.LabelColumn, StringComparer.Ordinal) == true)
        {
            errors.Add($"feature_columns contains the label '{options.LabelColumn}'; the label can never be a feature");
        }

        if (options.DateFormats.Count == 0)
        {
            errors.Add("date_formats is empty; give at least one format such as 'yyyy-MM-dd'");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
