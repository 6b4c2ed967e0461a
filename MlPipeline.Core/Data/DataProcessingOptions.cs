using System.ComponentModel.DataAnnotations;

namespace MlPipeline.Core.Data;

/// <summary>
/// How a dataset's rows become features. Maps to the <c>data_processing</c> section of the config;
/// every default below matches the original pipeline's sample data.
/// </summary>
public sealed record DataProcessingOptions
{
    /// <summary>The column to predict.</summary>
    /// <value>Defaults to <c>Total Amount</c>.</value>
    [Required]
    public string LabelColumn { get; init; } = "Total Amount";

    /// <summary>
    /// The feature columns, or null to infer them from the header and a sample of rows. When given,
    /// kinds are still inferred from the sample unless the column appears in <see cref="ColumnKinds"/>.
    /// </summary>
    /// <value>Defaults to null (infer).</value>
    public IReadOnlyList<string>? FeatureColumns { get; init; }

    /// <summary>Columns never used as features (besides the index and the label, which never are).</summary>
    /// <value>Defaults to none.</value>
    public IReadOnlyList<string> ExcludedColumns { get; init; } = [];

    /// <summary>Kinds forced per column name, overriding inference.</summary>
    /// <value>Defaults to none.</value>
    public IReadOnlyDictionary<string, FeatureKind> ColumnKinds { get; init; } = new Dictionary<string, FeatureKind>();

    /// <summary>Missing-value policy per feature kind.</summary>
    public MissingValuePolicies MissingValues { get; init; } = new();

    /// <summary>Date formats tried in order (invariant culture) before a general ISO-8601 parse.</summary>
    /// <value>Defaults to <c>yyyy-MM-dd</c>, <c>yyyy-MM-ddTHH:mm:ss</c>, <c>yyyy-MM-dd HH:mm:ss</c>, <c>M/d/yyyy</c>.</value>
    public IReadOnlyList<string> DateFormats { get; init; } = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm:ss", "M/d/yyyy"];

    /// <summary>How many rows schema inference looks at.</summary>
    /// <value>Defaults to 500.</value>
    [Range(1, 1_000_000)]
    public int SchemaSampleRows { get; init; } = 500;

    /// <summary>
    /// A text column is id-like (and excluded) when every sampled value is distinct and the sample has
    /// at least this many rows; below it, uniqueness proves nothing.
    /// </summary>
    /// <value>Defaults to 20.</value>
    [Range(2, 1_000_000)]
    public int IdLikeMinimumSample { get; init; } = 20;
}
