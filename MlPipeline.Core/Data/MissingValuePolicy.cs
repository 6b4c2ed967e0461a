using System.Text.Json.Serialization;

namespace MlPipeline.Core.Data;

/// <summary>What <see cref="RowProcessor"/> does with an empty feature value.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MissingValuePolicy>))]
public enum MissingValuePolicy
{
    /// <summary>Reject the row (it goes to the dead-letter topic with the reason).</summary>
    Reject,

    /// <summary>Use a default: 0 for numeric features and date parts, "unknown" for categorical ones.</summary>
    FillDefault,

    /// <summary>
    /// Numeric features only: use the mean of the values this processor has seen so far in that
    /// column (0 before the first). Depends on arrival order, so a replayed dataset may fill differently.
    /// </summary>
    FillMean,
}

/// <summary>The missing-value policy per feature kind. The label is never filled: a row without one is rejected.</summary>
public sealed record MissingValuePolicies
{
    /// <summary>For numeric columns.</summary>
    /// <value>Defaults to <see cref="MissingValuePolicy.Reject"/>.</value>
    public MissingValuePolicy Numeric { get; init; } = MissingValuePolicy.Reject;

    /// <summary>For categorical columns (<see cref="MissingValuePolicy.FillMean"/> is not allowed).</summary>
    /// <value>Defaults to <see cref="MissingValuePolicy.FillDefault"/>: "unknown" is a category of its own.</value>
    public MissingValuePolicy Categorical { get; init; } = MissingValuePolicy.FillDefault;

    /// <summary>For date columns (<see cref="MissingValuePolicy.FillMean"/> is not allowed).</summary>
    /// <value>Defaults to <see cref="MissingValuePolicy.Reject"/>.</value>
    public MissingValuePolicy Date { get; init; } = MissingValuePolicy.Reject;
}
