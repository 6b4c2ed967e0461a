using System.Text.Json.Serialization;

namespace MlPipeline.Core.Data;

/// <summary>How a feature column's raw text becomes model input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>Parsed as a double.</summary>
    Numeric,

    /// <summary>Kept as text and one-hot encoded by the trainer.</summary>
    Categorical,

    /// <summary>Parsed as a date and split into year, month, day and day-of-week numbers.</summary>
    Date,
}

/// <summary>One raw column used as a feature.</summary>
public sealed record FeatureColumn(string Name, FeatureKind Kind);

/// <summary>
/// What a dataset looks like to the pipeline: which column is the label, which raw columns are
/// features and of what kind. It travels in message metadata and in model metadata, so it is a
/// plain JSON-serializable record. The label is never one of <see cref="Features"/>.
/// </summary>
/// <param name="LabelColumn">The column the model predicts.</param>
/// <param name="Features">Raw feature columns in a fixed order; that order is the model's input order.</param>
/// <param name="ExcludedColumns">Columns deliberately left out (index, id-like, label copies), with the reason.</param>
public sealed record DatasetSchema(
    string LabelColumn,
    IReadOnlyList<FeatureColumn> Features,
    IReadOnlyList<ExcludedColumn> ExcludedColumns)
{
    /// <summary>
    /// The task the ingestion asked for (<c>?task=</c>), overriding <c>training.task</c>; null when none was asked.
    /// It travels with the schema, so the training of this dataset sees it however the rows got there.
    /// </summary>
    public TrainingTask? Task { get; init; }

    /// <summary>The suffixes of the numeric features a date column becomes, in order.</summary>
    public static readonly IReadOnlyList<string> DatePartSuffixes = ["year", "month", "day", "day_of_week"];

    /// <summary>
    /// The engineered feature names the model sees: numeric (numeric columns and date parts, in
    /// <see cref="Features"/> order) and categorical. Both lists are stable for a given schema.
    /// </summary>
    public FeatureLayout GetFeatureLayout()
    {
        var numeric = new List<string>();
        var categorical = new List<string>();
        foreach (var feature in Features)
        {
            switch (feature.Kind)
            {
                case FeatureKind.Numeric:
                    numeric.Add(feature.Name);
                    break;
                case FeatureKind.Categorical:
                    categorical.Add(feature.Name);
                    break;
                case FeatureKind.Date:
                    numeric.AddRange(DatePartSuffixes.Select(suffix => DatePartName(feature.Name, suffix)));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown feature kind {feature.Kind} for column '{feature.Name}'.");
            }
        }

        return new FeatureLayout(numeric, categorical);
    }

    /// <summary>The engineered name of one part of a date column, e.g. <c>Date.month</c>.</summary>
    public static string DatePartName(string column, string suffix) => $"{column}.{suffix}";
}

/// <summary>A column that is not a feature, and why.</summary>
public sealed record ExcludedColumn(string Name, string Reason);

/// <summary>The engineered feature names in model input order.</summary>
public sealed record FeatureLayout(IReadOnlyList<string> Numeric, IReadOnlyList<string> Categorical)
{
    /// <summary>True when both layouts have the same names in the same order.</summary>
    public bool SameAs(FeatureLayout other) =>
        Numeric.SequenceEqual(other.Numeric, StringComparer.Ordinal)
        && Categorical.SequenceEqual(other.Categorical, StringComparer.Ordinal);
}
