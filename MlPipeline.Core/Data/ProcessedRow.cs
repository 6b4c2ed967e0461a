namespace MlPipeline.Core.Data;

/// <summary>
/// A validated, cleaned row ready for training: engineered numeric features (numeric columns and
/// date parts) and categorical features by name, plus the label. Serializable as JSON; this is what
/// the processing stage publishes and the training data store keeps.
/// </summary>
/// <param name="Label">The label as a number; 0 when it is text (see <paramref name="LabelText"/>).</param>
/// <param name="LabelText">
/// The label as written when it is not a number (a class such as "yes" or "true"); null for a numeric label. A
/// classification model returns its classes as they appear here.
/// </param>
public sealed record ProcessedRow(
    string DatasetId,
    long RowNumber,
    IReadOnlyDictionary<string, double> Numeric,
    IReadOnlyDictionary<string, string> Categorical,
    double Label,
    string? LabelText = null);

/// <summary>The features of one input, without a label (what serving scores).</summary>
public sealed record EngineeredFeatures(
    IReadOnlyDictionary<string, double> Numeric,
    IReadOnlyDictionary<string, string> Categorical);

/// <summary>Either the engineered features or the precise reason they could not be built.</summary>
public sealed record FeatureEngineeringResult(EngineeredFeatures? Features, string? Error)
{
    public bool Succeeded => Features is not null;
}

/// <summary>The outcome of <see cref="RowProcessor.Process(string, long, IReadOnlyDictionary{string, string})"/>: a row or a rejection reason.</summary>
public sealed record RowProcessingResult(ProcessedRow? Row, string? RejectionReason)
{
    public bool IsAccepted => Row is not null;

    public static RowProcessingResult Accepted(ProcessedRow row) => new(row, null);

    public static RowProcessingResult Rejected(string reason) => new(null, reason);
}
