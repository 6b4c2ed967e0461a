using Microsoft.ML;
using Microsoft.ML.Data;
using MlPipeline.Core.Data;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Training;

/// <summary>
/// What a fitted model says about a set of rows: the number (regression) or the probability of each class
/// (classification, rows of <see cref="ClassLabels"/> order, each summing to 1), read from ML.NET's output columns.
/// </summary>
internal sealed class ModelOutputs
{
    private ModelOutputs(double[]? values, double[][]? probabilities)
    {
        Values = values;
        Probabilities = probabilities;
    }

    public double[]? Values { get; }

    public double[][]? Probabilities { get; }

    public static ModelOutputs Read(ITransformer model, IDataView data, TrainingTask task, int classCount)
    {
        var scored = model.Transform(data);
        switch (task)
        {
            case TrainingTask.Regression:
                return new(scored.GetColumn<float>(ModelInputMapper.ScoreColumn).Select(v => (double)v).ToArray(), null);
            case TrainingTask.Binary:
                return new(null, scored.GetColumn<float>(ModelInputMapper.ProbabilityColumn).Select(p => Binary(p)).ToArray());
            case TrainingTask.Multiclass:
                return new(null, scored.GetColumn<VBuffer<float>>(ModelInputMapper.ScoreColumn).Select(s => Normalize(s.DenseValues(), classCount)).ToArray());
            default:
                throw new InvalidOperationException($"Task {task} cannot be scored.");
        }
    }

    /// <summary>[P(first class), P(second class)] from the calibrated probability of the second.</summary>
    public static double[] Binary(float probability)
    {
        var p = double.IsFinite(probability) ? Math.Clamp(probability, 0.0, 1.0) : 0.5;
        return [1 - p, p];
    }

    /// <summary>
    /// Class scores as probabilities summing to 1: one-versus-all calibrations need not sum to 1 exactly, and a
    /// negative or non-finite score counts as 0 (all zero: uniform).
    /// </summary>
    public static double[] Normalize(IEnumerable<float> scores, int classCount)
    {
        var probabilities = new double[classCount];
        var i = 0;
        foreach (var score in scores)
        {
            if (i >= classCount)
            {
                break;
            }

            probabilities[i++] = double.IsFinite(score) && score > 0 ? score : 0;
        }

        var sum = probabilities.Sum();
        for (var c = 0; c < classCount; c++)
        {
            probabilities[c] = sum > 0 ? probabilities[c] / sum : 1.0 / classCount;
        }

        return probabilities;
    }
}

/// <summary>Holdout and cross-validation metrics computed from <see cref="ModelOutputs"/> and the true labels.</summary>
internal static class ModelMetrics
{
    /// <summary>R², RMSE and MAE as ML.NET's regression evaluator defines them (R² against the mean of these labels).</summary>
    public static RegressionMetricsSummary Regression(IReadOnlyList<double> predicted, IReadOnlyList<double> actual)
    {
        var n = actual.Count;
        var mean = actual.Average();
        double squared = 0, absolute = 0, total = 0;
        for (var i = 0; i < n; i++)
        {
            var error = predicted[i] - actual[i];
            squared += error * error;
            absolute += Math.Abs(error);
            total += (actual[i] - mean) * (actual[i] - mean);
        }

        return new RegressionMetricsSummary(1 - (squared / total), Math.Sqrt(squared / n), absolute / n);
    }

    public static ClassificationMetricsSummary Classification(IReadOnlyList<double[]> probabilities, IReadOnlyList<int> actual, int classCount)
    {
        var n = actual.Count;
        var truePositives = new int[classCount];
        var predictedCount = new int[classCount];
        var actualCount = new int[classCount];
        double logLoss = 0;
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            var predicted = ArgMax(probabilities[i]);
            predictedCount[predicted]++;
            actualCount[actual[i]]++;
            if (predicted == actual[i])
            {
                correct++;
                truePositives[predicted]++;
            }

            // Clipped as scikit-learn and ML.NET do, so one confident mistake costs a lot but not infinity.
            logLoss -= Math.Log(Math.Clamp(probabilities[i][actual[i]], 1e-15, 1.0));
        }

        var f1Sum = 0.0;
        var classesPresent = 0;
        for (var c = 0; c < classCount; c++)
        {
            if (actualCount[c] == 0 && predictedCount[c] == 0)
            {
                continue;
            }

            classesPresent++;
            var denominator = actualCount[c] + predictedCount[c];
            f1Sum += denominator == 0 ? 0 : 2.0 * truePositives[c] / denominator;
        }

        double? auc = classCount == 2 ? AreaUnderRocCurve(probabilities.Select(p => p[1]).ToArray(), actual) : null;
        return new ClassificationMetricsSummary((double)correct / n, classesPresent == 0 ? 0 : f1Sum / classesPresent, logLoss / n, auc);
    }

    public static int ArgMax(double[] probabilities)
    {
        var best = 0;
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>Mann–Whitney form of the ROC AUC, ties counted half; NaN when the rows hold one class only.</summary>
    private static double AreaUnderRocCurve(double[] positiveScores, IReadOnlyList<int> actual)
    {
        var order = Enumerable.Range(0, positiveScores.Length).OrderBy(i => positiveScores[i]).ToArray();
        var ranks = new double[order.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && positiveScores[order[end + 1]] == positiveScores[order[start]])
            {
                end++;
            }

            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = ((start + end) / 2.0) + 1;
            }

            start = end + 1;
        }

        double positives = 0, rankSum = 0;
        for (var i = 0; i < actual.Count; i++)
        {
            if (actual[i] == 1)
            {
                positives++;
                rankSum += ranks[i];
            }
        }

        var negatives = actual.Count - positives;
        return positives == 0 || negatives == 0
            ? double.NaN
            : (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }
}
