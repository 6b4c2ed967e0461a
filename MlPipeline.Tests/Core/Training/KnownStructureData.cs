using System.Globalization;
using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

/// <summary>
/// Seeded data sets whose best possible model is known: numeric features x1..xN ~ U(-2, 2), and a label made from
/// them by a formula plus noise. Rows go through <see cref="RowProcessor"/> like pipeline rows, so text labels
/// arrive as <see cref="ProcessedRow.LabelText"/> exactly as the processing stage makes them.
/// </summary>
internal sealed class KnownStructureData
{
    private KnownStructureData(DatasetSchema schema, List<ProcessedRow> rows, List<double[]> features, Func<double[], string> bayes)
    {
        Schema = schema;
        Rows = rows;
        Features = features;
        BayesClassifier = bayes;
    }

    public DatasetSchema Schema { get; }

    public IReadOnlyList<ProcessedRow> Rows { get; }

    /// <summary>The features of each row (same order as <see cref="Rows"/>), for reference models computed in the test.</summary>
    public IReadOnlyList<double[]> Features { get; }

    /// <summary>Classification: the class the generator's noiseless rule gives (the Bayes-optimal prediction).</summary>
    public Func<double[], string> BayesClassifier { get; }

    public static DatasetSchema SchemaFor(int featureCount, string label = "y") => new(
        label,
        Enumerable.Range(1, featureCount).Select(i => new FeatureColumn($"x{i}", FeatureKind.Numeric)).ToList(),
        []);

    /// <summary>y = f(x) + N(0, noise²).</summary>
    public static KnownStructureData Regression(int count, int featureCount, Func<double[], double> f, double noise, int seed) =>
        Generate(count, featureCount, seed, (x, random) => (f(x) + (noise * Gaussian(random))).ToString("R", CultureInfo.InvariantCulture), _ => "");

    /// <summary>
    /// The class is drawn from softmax(<paramref name="logits"/>(x)): the noise is part of the model, the most probable
    /// class (the largest logit) is the Bayes classifier, and a linear logit makes logistic regression well specified.
    /// </summary>
    public static KnownStructureData Classification(
        int count, int featureCount, IReadOnlyList<string> classes, Func<double[], double[]> logits, int seed) =>
        Generate(
            count,
            featureCount,
            seed,
            (x, random) =>
            {
                var scores = logits(x);
                var max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                var draw = random.NextDouble() * weights.Sum();
                for (var c = 0; c < weights.Length; c++)
                {
                    draw -= weights[c];
                    if (draw <= 0)
                    {
                        return classes[c];
                    }
                }

                return classes[^1];
            },
            x =>
            {
                var scores = logits(x);
                return classes[Array.IndexOf(scores, scores.Max())];
            });

    /// <summary>Rows with fixed features and the given label text per row (task inference tests).</summary>
    public static IReadOnlyList<ProcessedRow> WithLabels(IReadOnlyList<string> labels)
    {
        var labelIndex = 0;
        return Generate(labels.Count, 2, 3, (_, _) => labels[labelIndex++], _ => "").Rows;
    }

    private static KnownStructureData Generate(
        int count, int featureCount, int seed, Func<double[], Random, string> label, Func<double[], string> bayes)
    {
        var random = new Random(seed);
        var schema = SchemaFor(featureCount);
        var processor = new RowProcessor(schema, new DataProcessingOptions { LabelColumn = "y" });
        var rows = new List<ProcessedRow>(count);
        var features = new List<double[]>(count);
        for (var i = 0; i < count; i++)
        {
            var x = Enumerable.Range(0, featureCount).Select(_ => (random.NextDouble() * 4) - 2).ToArray();
            var raw = new Dictionary<string, string>();
            for (var j = 0; j < featureCount; j++)
            {
                raw[$"x{j + 1}"] = x[j].ToString("R", CultureInfo.InvariantCulture);
            }

            raw["y"] = label(x, random);
            var result = processor.Process("known", i + 1, raw);
            rows.Add(result.Row ?? throw new InvalidOperationException(result.RejectionReason));
            features.Add(x);
        }

        return new KnownStructureData(schema, rows, features, bayes);
    }

    public double[] FeaturesOf(ProcessedRow row) => Features[(int)row.RowNumber - 1];

    public static double Gaussian(Random random)
    {
        // Box–Muller: two uniforms to one standard normal.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>Ordinary least squares by the normal equations (with intercept): the linear optimum a test compares against.</summary>
internal static class OrdinaryLeastSquares
{
    public static Func<double[], double> Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y)
    {
        var p = x[0].Length + 1;
        var xtx = new double[p, p];
        var xty = new double[p];
        for (var i = 0; i < x.Count; i++)
        {
            var row = Design(x[i]);
            for (var a = 0; a < p; a++)
            {
                xty[a] += row[a] * y[i];
                for (var b = 0; b < p; b++)
                {
                    xtx[a, b] += row[a] * row[b];
                }
            }
        }

        var beta = Solve(xtx, xty);
        return features => Design(features).Zip(beta, (v, w) => v * w).Sum();
    }

    public static double RSquared(IReadOnlyList<double> predicted, IReadOnlyList<double> actual)
    {
        var mean = actual.Average();
        var residual = predicted.Zip(actual, (p, a) => (a - p) * (a - p)).Sum();
        var total = actual.Sum(a => (a - mean) * (a - mean));
        return 1 - (residual / total);
    }

    private static double[] Design(double[] features) => [1.0, .. features];

    /// <summary>Gaussian elimination with partial pivoting.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var v = (double[])b.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(m[r, col]));
            for (var k = 0; k < n; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            (v[col], v[pivot]) = (v[pivot], v[col]);
            for (var r = col + 1; r < n; r++)
            {
                var factor = m[r, col] / m[col, col];
                for (var k = col; k < n; k++)
                {
                    m[r, k] -= factor * m[col, k];
                }

                v[r] -= factor * v[col];
            }
        }

        var solution = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = v[r];
            for (var k = r + 1; k < n; k++)
            {
                sum -= m[r, k] * solution[k];
            }

            solution[r] = sum / m[r, r];
        }

        return solution;
    }
}
