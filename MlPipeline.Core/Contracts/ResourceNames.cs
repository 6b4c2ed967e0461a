using System.Text.RegularExpressions;

namespace MlPipeline.Core.Contracts;

/// <summary>
/// The one definition of what may name a model or a dataset, wherever a name comes in (API, command line, config,
/// Kafka). Names become folder and file names, metric labels and topic keys, so they are plain: letters, digits, '.',
/// '_' and '-', not starting with '.', at most <see cref="MaxLength"/> characters. The patterns end in <c>\z</c>, not
/// <c>$</c>: <c>$</c> also matches before a final newline, which let <c>evil\n</c> through as a folder name.
/// </summary>
public static partial class ResourceNames
{
    public const int MaxLength = 100;

    public const string Rule = "letters, digits, '.', '_' or '-', not starting with '.', at most 100 characters";

    public static bool IsValidModelName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static bool IsValidDatasetId(string? id) => id is not null && NamePattern().IsMatch(id);

    [GeneratedRegex(@"\A[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\z")]
    private static partial Regex NamePattern();
}
