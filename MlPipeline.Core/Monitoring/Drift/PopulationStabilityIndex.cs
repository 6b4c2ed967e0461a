namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Population stability index: Σ (actual − expected) · ln(actual / expected) over the bins of the training
/// distribution. 0 means the same distribution; by convention below 0.1 is stable, 0.1-0.2 a moderate shift and above
/// 0.2 a significant one.
/// </summary>
public static class PopulationStabilityIndex
{
    // An empty bin on either side would make the logarithm infinite; a small floor keeps one empty bin from
    // dominating while a real shift still scores high.
    private const double EmptyBinProportion = 1e-4;

    /// <summary>PSI of numeric <paramref name="values"/> binned on the training <paramref name="binEdges"/>.</summary>
    /// <remarks>Values outside the training range count in the first or last bin, as they would have at training time.</remarks>
    public static double Numeric(IReadOnlyList<double> binEdges, IReadOnlyList<double> expectedProportions, IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(binEdges);
        ArgumentNullException.ThrowIfNull(expectedProportions);
        ArgumentNullException.ThrowIfNull(values);
        var bins = expectedProportions.Count;
        if (bins == 0 || values.Count == 0)
        {
            return 0;
        }

        var counts = new double[bins];
        foreach (var value in values)
        {
            counts[BinOf(binEdges, bins, value)]++;
        }

        return Sum(expectedProportions, counts.Select(count => count / values.Count).ToArray());
    }

    /// <summary>PSI of categorical <paramref name="values"/> against the training <paramref name="expectedFrequencies"/>.</summary>
    /// <param name="otherCategory">Where training pooled its rare categories; unseen values count there when it exists.</param>
    public static double Categorical(IReadOnlyDictionary<string, double> expectedFrequencies, IReadOnlyCollection<string> values, string otherCategory)
    {
        ArgumentNullException.ThrowIfNull(expectedFrequencies);
        ArgumentNullException.ThrowIfNull(values);
        if (expectedFrequencies.Count == 0 || values.Count == 0)
        {
            return 0;
        }

        var categories = expectedFrequencies.Keys.ToList();
        var hasOther = expectedFrequencies.ContainsKey(otherCategory);
        var unseenIndex = hasOther ? categories.IndexOf(otherCategory) : categories.Count;
        var counts = new double[categories.Count + (hasOther ? 0 : 1)];
        var indexOf = categories.Select((category, index) => (category, index)).ToDictionary(pair => pair.category, pair => pair.index, StringComparer.Ordinal);
        foreach (var value in values)
        {
            counts[indexOf.TryGetValue(value, out var index) ? index : unseenIndex]++;
        }

        // Categories never seen in training have an expected share of (almost) nothing.
        var expected = categories.Select(category => expectedFrequencies[category]).ToList();
        if (!hasOther)
        {
            expected.Add(0);
        }

        return Sum(expected, counts.Select(count => count / values.Count).ToArray());
    }

    private static int BinOf(IReadOnlyList<double> edges, int bins, double value)
    {
        // Same rule as training: bins closed on the left, the last one closed on the right too.
        for (var bin = 0; bin < bins - 1; bin++)
        {
            if (value < edges[bin + 1])
            {
                return bin;
            }
        }

        return bins - 1;
    }

    private static double Sum(IReadOnlyList<double> expected, double[] actual)
    {
        double psi = 0;
        for (var bin = 0; bin < actual.Length; bin++)
        {
            var e = Math.Max(expected[bin], EmptyBinProportion);
            var a = Math.Max(actual[bin], EmptyBinProportion);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }
}
