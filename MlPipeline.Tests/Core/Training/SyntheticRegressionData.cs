using System.Globalization;
using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;

namespace MlPipeline.Tests.Core.Training;

/// <summary>
/// A seeded dataset with a known relationship: y = 3·x1 + 2·x2 + effect(category) + 0.5·month + N(0, σ²).
/// Raw rows go through <see cref="RowProcessor"/>, so date and categorical engineering are exercised too.
/// </summary>
internal sealed class SyntheticRegressionData
{
    public static readonly DatasetSchema Schema = new(
        "y",
        [
            new FeatureColumn("x1", FeatureKind.Numeric),
            new FeatureColumn("x2", FeatureKind.Numeric),
            new FeatureColumn("category", FeatureKind.Categorical),
            new FeatureColumn("when", FeatureKind.Date),
        ],
        []);

    private static readonly Dictionary<string, double> CategoryEffects = new() { ["A"] = 0, ["B"] = 5, ["C"] = -5 };

    private SyntheticRegressionData(List<Dictionary<string, string>> rawRows, List<ProcessedRow> rows, double noiseStandardDeviation)
    {
        RawRows = rawRows;
        Rows = rows;
        NoiseStandardDeviation = noiseStandardDeviation;
    }

    public IReadOnlyList<Dictionary<string, string>> RawRows { get; }

    public IReadOnlyList<ProcessedRow> Rows { get; }

    public double NoiseStandardDeviation { get; }

    /// <summary>The best R² any model can reach: the share of the label's variance that is not noise.</summary>
    public double TheoreticalMaxRSquared
    {
        get
        {
            var labels = Rows.Select(r => r.Label).ToArray();
            var mean = labels.Average();
            var variance = labels.Sum(l => (l - mean) * (l - mean)) / labels.Length;
            return 1 - (NoiseStandardDeviation * NoiseStandardDeviation / variance);
        }
    }

    public static SyntheticRegressionData Generate(int count, double noiseStandardDeviation = 2.0, int seed = 7, string datasetId = "synthetic")
    {
        var random = new Random(seed);
        var processor = new RowProcessor(Schema, new DataProcessingOptions { LabelColumn = "y" });
        var categories = CategoryEffects.Keys.ToArray();
        var raw = new List<Dictionary<string, string>>(count);
        var processed = new List<ProcessedRow>(count);
        for (var i = 0; i < count; i++)
        {
            var x1 = random.NextDouble() * 10;
            var x2 = random.NextDouble() * 5;
            var category = categories[random.Next(categories.Length)];
            var date = new DateTime(2023, 1, 1).AddDays(random.Next(365));
            var noise = noiseStandardDeviation * Gaussian(random);
            var y = (3 * x1) + (2 * x2) + CategoryEffects[category] + (0.5 * date.Month) + noise;
            var row = new Dictionary<string, string>
            {
                ["x1"] = x1.ToString("R", CultureInfo.InvariantCulture),
                ["x2"] = x2.ToString("R", CultureInfo.InvariantCulture),
                ["category"] = category,
                ["when"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["y"] = y.ToString("R", CultureInfo.InvariantCulture),
            };
            raw.Add(row);
            processed.Add(processor.Process(datasetId, i + 1, row).Row!);
        }

        return new SyntheticRegressionData(raw, processed, noiseStandardDeviation);
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller: two uniforms to one standard normal.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
