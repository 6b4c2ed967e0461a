using System.Globalization;

namespace MlPipeline.Core.Data;

/// <summary>
/// The one place raw CSV text is parsed, so schema inference, row processing and serving agree on
/// what counts as a number or a date. Always invariant culture: a dataset's meaning must not depend
/// on the host's locale.
/// </summary>
internal static class ValueParsing
{
    private const NumberStyles NumberStyle = NumberStyles.Float | NumberStyles.AllowThousands;

    /// <summary>Parses a finite double; "NaN" and "Infinity" are not numbers for the pipeline.</summary>
    public static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text.AsSpan().Trim(), NumberStyle, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

    public static bool TryParseDate(string text, IReadOnlyList<string> formats, out DateTime value)
    {
        var trimmed = text.Trim();
        foreach (var format in formats)
        {
            if (DateTime.TryParseExact(trimmed, format, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out value))
            {
                return true;
            }
        }

        // A bare number must not pass as a date (e.g. "2023" would parse as a year in some paths).
        if (TryParseNumber(trimmed, out _))
        {
            value = default;
            return false;
        }

        return DateTime.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value);
    }
}
