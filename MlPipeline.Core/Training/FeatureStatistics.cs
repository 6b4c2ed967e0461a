using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// Training-time distribution of a numeric feature. <see cref="BinEdges"/> has one more entry than
/// <see cref="BinProportions"/>; monitoring bins live values on the same edges to compute PSI.
/// </summary>
public sealed record NumericFeatureStatistics(
    long Count,
    double Mean,
    double StandardDeviation,
    double Min,
    double Max,
    IReadOnlyList<double> BinEdges,
    IReadOnlyList<double> BinProportions);

/// <summary>Training-time category frequencies (proportions summing to 1) of a categorical feature.</summary>
/// <param name="Count">Rows counted.</param>
/// <param name="Frequencies">Proportion per category; categories beyond the tracked limit are pooled under <see cref="OtherCategory"/>.</param>
public sealed record CategoricalFeatureStatistics(long Count, IReadOnlyDictionary<string, double> Frequencies)
{
    public const string OtherCategory = "__other__";
}

/// <summary>Computes per-feature statistics over the training rows.</summary>
internal static class FeatureStatisticsCalculator
{
    public static Dictionary<string, NumericFeatureStatistics> Numeric(IReadOnlyList<ProcessedRow> rows, FeatureLayout layout, int bins)
    {
        var result = new Dictionary<string, NumericFeatureStatistics>(StringComparer.Ordinal);
        foreach (var name in layout.Numeric)
        {
            var values = rows.Select(r => r.Numeric[name]).ToArray();
            result[name] = Describe(values, bins);
        }

        return result;
    }

    public static Dictionary<string, CategoricalFeatureStatistics> Categorical(IReadOnlyList<ProcessedRow> rows, FeatureLayout layout, int maxCategories)
    {
        var result = new Dictionary<string, CategoricalFeatureStatistics>(StringComparer.Ordinal);
        foreach (var name in layout.Categorical)
        {
            var counts = rows.GroupBy(r => r.Categorical[name], StringComparer.Ordinal)
                .Select(g => (Category: g.Key, Count: g.Count()))
                .OrderByDescending(c => c.Count)
                .ThenBy(c => c.Category, StringComparer.Ordinal)
                .ToList();
            var total = (double)rows.Count;
            var frequencies = counts.Take(maxCategories).ToDictionary(c => c.Category, c => c.Count / total, StringComparer.Ordinal);
            var pooled = counts.Skip(maxCategories).Sum(c => c.Count);
            if (pooled > 0)
            {
                frequencies[CategoricalFeatureStatistics.OtherCategory] = pooled / total;
            }

            result[name] = new CategoricalFeatureStatistics(rows.Count, frequencies);
        }

        return result;
    }

    private static NumericFeatureStatistics Describe(double[] values, int bins)
    {
        if (values.Length == 0)
        {
            return new NumericFeatureStatistics(0, 0, 0, 0, 0, [], []);
        }

        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        var min = values.Min();
        var max = values.Max();
        if (min == max)
        {
            return new NumericFeatureStatistics(values.Length, mean, 0, min, max, [min, max], [1.0]);
        }

        var width = (max - min) / bins;
        var edges = Enumerable.Range(0, bins + 1).Select(i => i == bins ? max : min + (i * width)).ToArray();
        var counts = new long[bins];
        foreach (var value in values)
        {
            // The last bin is closed on the right so the maximum lands in it.
            var bin = Math.Min(bins - 1, (int)((value - min) / width));
            counts[bin]++;
        }

        return new NumericFeatureStatistics(
            values.Length, mean, Math.Sqrt(variance), min, max, edges, counts.Select(c => c / (double)values.Length).ToArray());
    }
}
