using System.Globalization;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Collects configuration errors for one source file in the house format
/// <c>{file}: {key.path} = '{value}' {problem}</c>, so every error reads the same wherever it is found.
/// </summary>
internal sealed class ConfigurationErrorList(string source)
{
    private readonly List<string> _errors = [];

    public string Source { get; } = source;

    public IReadOnlyList<string> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    /// <summary>Adds <c>{file}: {keyPath} = '{value}' {problem}</c>.</summary>
    public void InvalidValue(string keyPath, object? value, string problem) =>
        _errors.Add($"{Source}: {keyPath} = '{Show(value)}' {problem}");

    /// <summary>Adds an error about a secret: the value is never written to logs.</summary>
    public void InvalidSecret(string keyPath, string problem) =>
        _errors.Add($"{Source}: {keyPath} {problem}");

    /// <summary>Adds <c>{file}: {text}</c> for errors that are not about one value (missing file, bad YAML).</summary>
    public void General(string text) => _errors.Add($"{Source}: {text}");

    public void ThrowIfAny()
    {
        if (HasErrors)
        {
            throw new ConfigurationException(_errors.ToArray());
        }
    }

    /// <summary>Formats a value as it would be written in YAML, so the message quotes what the user typed.</summary>
    public static string Show(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        Enum e => ConfigEnumSpellings.Spell(e),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
