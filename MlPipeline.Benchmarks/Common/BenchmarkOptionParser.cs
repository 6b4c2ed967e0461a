using System.Globalization;

namespace MlPipeline.Benchmarks.Common;

/// <summary>
/// Reads a benchmark's <c>--name value</c> arguments. Each option is declared with the rule its value must meet and
/// what to do with an accepted value. An unknown option, a missing value or a value breaking its rule is an error
/// that names the option, the value and the rule, so a typo never silently runs (and publishes) the defaults.
/// </summary>
public sealed class BenchmarkOptionParser
{
    private readonly Dictionary<string, (string Rule, Func<string, bool> TryApply)> options = new(StringComparer.Ordinal);

    /// <param name="rule">What a valid value is, for the error message ("an integer from 1 to 10").</param>
    /// <param name="tryApply">Stores the value and returns true, or returns false when the value breaks the rule.</param>
    public BenchmarkOptionParser Option(string name, string rule, Func<string, bool> tryApply)
    {
        options.Add(name, (rule, tryApply));
        return this;
    }

    /// <summary>An integer option; digits may be grouped with '_' (1_000_000).</summary>
    public BenchmarkOptionParser Int(string name, int min, int max, Action<int> apply) =>
        Option(name, $"an integer {Bounds(min, max)}", text => Accept(TryInt(text, out int value) && value >= min && value <= max, apply, value));

    /// <summary>A comma-separated list of integers, each within the bounds; at least one.</summary>
    public BenchmarkOptionParser IntList(string name, int min, int max, Action<IReadOnlyList<int>> apply) =>
        Option(name, $"comma-separated integers, each {Bounds(min, max)}", text =>
        {
            var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var values = new List<int>(parts.Length);
            foreach (var part in parts)
            {
                if (!TryInt(part, out int value) || value < min || value > max)
                {
                    return false;
                }

                values.Add(value);
            }

            return Accept(values.Count > 0, apply, values);
        });

    public BenchmarkOptionParser Double(string name, double min, double max, Action<double> apply) =>
        Option(
            name,
            max == double.MaxValue
                ? $"a number ≥ {min.ToString(CultureInfo.InvariantCulture)}"
                : $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
            text => Accept(
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max,
                apply,
                value));

    /// <returns>False with <paramref name="error"/> set at the first bad argument; the accepted ones before it were applied.</returns>
    public bool TryParse(IReadOnlyList<string> arguments, out string? error)
    {
        for (int i = 0; i < arguments.Count; i += 2)
        {
            string name = arguments[i];
            if (!options.TryGetValue(name, out var option))
            {
                error = $"unknown option '{name}' (known: {string.Join(", ", options.Keys)})";
                return false;
            }

            if (i + 1 >= arguments.Count)
            {
                error = $"{name} needs a value: {option.Rule}";
                return false;
            }

            string value = arguments[i + 1];
            if (!option.TryApply(value))
            {
                error = $"{name} {value}: expected {option.Rule}";
                return false;
            }
        }

        error = null;
        return true;
    }

    private static string Bounds(int min, int max) =>
        max == int.MaxValue
            ? $"≥ {min.ToString(CultureInfo.InvariantCulture)}"
            : $"from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool Accept<T>(bool valid, Action<T> apply, T value)
    {
        if (valid)
        {
            apply(value);
        }

        return valid;
    }
}
