using Microsoft.ML;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// How much the holdout score drops when one raw feature column's values are shuffled across the rows (breaking its
/// link to the label while keeping its distribution). A date column's four engineered parts move together, so each
/// entry is a column the caller knows.
/// </summary>
/// <param name="Feature">The raw feature column.</param>
/// <param name="Importance">Holdout metric without shuffling minus with it; near 0 (or below) means unused.</param>
public sealed record FeatureImportance(string Feature, double Importance);

/// <summary>Permutation feature importance on the holdout, measured in the task's primary metric (R² or accuracy).</summary>
internal static class PermutationFeatureImportance
{
    public static IReadOnlyList<FeatureImportance> Compute(
        ITransformer model,
        DatasetSchema schema,
        ModelInputMapper mapper,
        TrainingTask task,
        IReadOnlyList<ModelInput> holdout,
        IReadOnlyList<int>? classIndexes,
        int seed,
        CancellationToken cancellationToken)
    {
        var mlContext = new MLContext(seed);
        var baseline = Score(model, mlContext, mapper, task, holdout, classIndexes);
        var importances = new List<FeatureImportance>(schema.Features.Count);
        foreach (var feature in schema.Features)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (numericSlots, categoricalSlot) = SlotsOf(feature, mapper.Layout);
            var donors = Enumerable.Range(0, holdout.Count).ToArray();
            new Random(HashCode.Combine(seed, feature.Name.Length, importances.Count)).Shuffle(donors);
            var permuted = new List<ModelInput>(holdout.Count);
            for (var i = 0; i < holdout.Count; i++)
            {
                var row = holdout[i];
                var donor = holdout[donors[i]];
                var numeric = (float[])row.Numeric.Clone();
                foreach (var slot in numericSlots)
                {
                    numeric[slot] = donor.Numeric[slot];
                }

                var categorical = (string[])row.Categorical.Clone();
                if (categoricalSlot is { } c)
                {
                    categorical[c] = donor.Categorical[c];
                }

                permuted.Add(new ModelInput
                {
                    Numeric = numeric,
                    Categorical = categorical,
                    Label = row.Label,
                    BinaryLabel = row.BinaryLabel,
                    ClassLabel = row.ClassLabel,
                });
            }

            importances.Add(new FeatureImportance(feature.Name, baseline - Score(model, mlContext, mapper, task, permuted, classIndexes)));
        }

        return importances.OrderByDescending(i => i.Importance).ToList();
    }

    private static double Score(
        ITransformer model, MLContext mlContext, ModelInputMapper mapper, TrainingTask task, IReadOnlyList<ModelInput> rows, IReadOnlyList<int>? classIndexes)
    {
        var outputs = ModelOutputs.Read(model, mapper.ToDataView(mlContext, rows), task, mapper.ClassCount);
        return task == TrainingTask.Regression
            ? ModelMetrics.Regression(outputs.Values!, rows.Select(r => (double)r.Label).ToList()).RSquared
            : ModelMetrics.Classification(outputs.Probabilities!, classIndexes!, mapper.ClassCount).Accuracy;
    }

    private static (List<int> Numeric, int? Categorical) SlotsOf(FeatureColumn feature, FeatureLayout layout)
    {
        var numeric = new List<int>();
        for (var i = 0; i < layout.Numeric.Count; i++)
        {
            var name = layout.Numeric[i];
            if (name == feature.Name || (feature.Kind == FeatureKind.Date && name.StartsWith(feature.Name + ".", StringComparison.Ordinal)))
            {
                numeric.Add(i);
            }
        }

        var categorical = -1;
        for (var i = 0; i < layout.Categorical.Count; i++)
        {
            if (layout.Categorical[i] == feature.Name)
            {
                categorical = i;
            }
        }

        // Slot 0 is the padding slot when the model has no categorical features; it is never a feature's slot.
        return (numeric, feature.Kind == FeatureKind.Categorical && categorical >= 0 ? categorical : null);
    }
}
