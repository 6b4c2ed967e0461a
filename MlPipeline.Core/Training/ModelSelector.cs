using System.Diagnostics;
using Microsoft.ML;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>One candidate's cross-validation result.</summary>
/// <param name="MeanScore">Mean over folds of the selection metric (R², or accuracy); null when skipped.</param>
/// <param name="StandardDeviation">Spread of the fold scores (population standard deviation).</param>
/// <param name="MeanLogLoss">Classification: mean fold log-loss, the tie-breaker between equal accuracies.</param>
/// <param name="Skipped">Why it was not (fully) evaluated: the time budget ran out, or the trainer failed.</param>
public sealed record CandidateScore(
    string Name,
    TrainerCandidate Candidate,
    double? MeanScore,
    double? StandardDeviation,
    double? MeanLogLoss,
    IReadOnlyList<double> FoldScores,
    double Seconds,
    string? Skipped = null);

/// <summary>How the model was chosen: every candidate with its cross-validation scores, and the winner.</summary>
/// <param name="Metric">The selection metric: r_squared (regression) or accuracy (classification), higher is better.</param>
/// <param name="RowsUsed">Training rows cross-validated on (all of the training split, or a seeded sample of it).</param>
public sealed record ModelSelectionReport(
    string Metric,
    int Folds,
    int RowsUsed,
    double BudgetSeconds,
    double ElapsedSeconds,
    string Winner,
    IReadOnlyList<CandidateScore> Candidates);

/// <summary>Selection's progress, for a caller that shows it (<see cref="ModelTrainer.Train"/>'s progress).</summary>
public sealed record SelectionProgress(int CandidatesDone, int CandidatesTotal, string? Current);

/// <summary>
/// k-fold cross-validation of <see cref="CandidateGrid"/> candidates on the TRAINING split only (the holdout is never
/// passed in, so it cannot influence the choice). Folds are seeded, and stratified by class for classification, so
/// every fold's training part sees every class that has at least two rows. Candidates run in order until the time
/// budget is spent; the best mean score wins (classification: accuracy, then lower log-loss), ties going to the
/// earlier, simpler candidate.
/// </summary>
internal sealed class ModelSelector(ModelTrainingOptions options, TimeProvider timeProvider)
{
    public (TrainerCandidate Winner, ModelSelectionReport Report) Select(
        ModelInputMapper mapper,
        FeatureLayout layout,
        TrainingTask task,
        IReadOnlyList<ModelInput> rows,
        IReadOnlyList<int>? classIndexes,
        IProgress<SelectionProgress>? progress,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var sample = Sample(rows.Count);
        var folds = FoldCount(sample.Length);
        var foldOf = AssignFolds(sample, classIndexes, folds);
        var candidates = CandidateGrid.For(sample.Length);
        var results = new List<CandidateScore>(candidates.Count);
        for (var c = 0; c < candidates.Count; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = candidates[c];
            if (results.Any(r => r.Skipped is null) && timeProvider.GetElapsedTime(started).TotalSeconds >= options.SearchSeconds)
            {
                results.Add(new CandidateScore(candidate.Name, candidate, null, null, null, [], 0, $"time budget of {options.SearchSeconds:G4} s spent"));
                continue;
            }

            progress?.Report(new SelectionProgress(c, candidates.Count, candidate.Name));
            // Once some candidate has a score, a later one stops between folds when the budget runs out: the budget
            // is then overrun by one fold at most, never by a whole slow candidate.
            Func<bool> overBudget = results.Any(r => r.Skipped is null)
                ? () => timeProvider.GetElapsedTime(started).TotalSeconds >= options.SearchSeconds
                : () => false;
            results.Add(CrossValidate(mapper, layout, task, candidate, rows, classIndexes, sample, foldOf, folds, overBudget, cancellationToken));
        }

        progress?.Report(new SelectionProgress(candidates.Count, candidates.Count, null));
        var evaluated = results.Where(r => r.Skipped is null).ToList();
        if (evaluated.Count == 0)
        {
            throw new InvalidOperationException(
                $"Model selection found no usable model: {string.Join("; ", results.Select(r => $"{r.Name}: {r.Skipped}"))}.");
        }

        var winner = evaluated[0];
        foreach (var result in evaluated.Skip(1))
        {
            if (IsBetter(result, winner))
            {
                winner = result;
            }
        }

        var report = new ModelSelectionReport(
            task == TrainingTask.Regression ? "r_squared" : "accuracy",
            folds,
            sample.Length,
            options.SearchSeconds,
            timeProvider.GetElapsedTime(started).TotalSeconds,
            winner.Name,
            results);
        return (winner.Candidate, report);
    }

    private static bool IsBetter(CandidateScore challenger, CandidateScore incumbent)
    {
        const double tie = 1e-9;
        if (challenger.MeanScore > incumbent.MeanScore + tie)
        {
            return true;
        }

        return Math.Abs(challenger.MeanScore!.Value - incumbent.MeanScore!.Value) <= tie
            && challenger.MeanLogLoss < incumbent.MeanLogLoss - tie;
    }

    private CandidateScore CrossValidate(
        ModelInputMapper mapper,
        FeatureLayout layout,
        TrainingTask task,
        TrainerCandidate candidate,
        IReadOnlyList<ModelInput> rows,
        IReadOnlyList<int>? classIndexes,
        int[] sample,
        int[] foldOf,
        int folds,
        Func<bool> overBudget,
        CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var scores = new List<double>(folds);
        var logLosses = new List<double>(folds);
        try
        {
            for (var fold = 0; fold < folds; fold++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (overBudget())
                {
                    return new CandidateScore(
                        candidate.Name, candidate, null, null, null, scores, stopwatch.Elapsed.TotalSeconds,
                        $"time budget of {options.SearchSeconds:G4} s spent after {fold} of {folds} folds");
                }

                var train = new List<ModelInput>(sample.Length);
                var valid = new List<int>(sample.Length / folds + 1);
                for (var i = 0; i < sample.Length; i++)
                {
                    if (foldOf[i] == fold)
                    {
                        valid.Add(sample[i]);
                    }
                    else
                    {
                        train.Add(rows[sample[i]]);
                    }
                }

                var mlContext = new MLContext(options.Seed);
                var model = ModelPipelineFactory.Build(mlContext, layout, task, candidate, options.NumberOfThreads, options.Seed)
                    .Fit(mapper.ToDataView(mlContext, train));
                var outputs = ModelOutputs.Read(model, mapper.ToDataView(mlContext, valid.Select(i => rows[i]).ToList()), task, mapper.ClassCount);
                if (task == TrainingTask.Regression)
                {
                    scores.Add(ModelMetrics.Regression(outputs.Values!, valid.Select(i => (double)rows[i].Label).ToList()).RSquared);
                }
                else
                {
                    var metrics = ModelMetrics.Classification(outputs.Probabilities!, valid.Select(i => classIndexes![i]).ToList(), mapper.ClassCount);
                    scores.Add(metrics.Accuracy);
                    logLosses.Add(metrics.LogLoss);
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // One trainer failing on this data (LightGBM refusing a degenerate fold, say) must not fail the selection.
            return new CandidateScore(candidate.Name, candidate, null, null, null, scores, stopwatch.Elapsed.TotalSeconds, $"failed: {exception.Message}");
        }

        var mean = scores.Average();
        var spread = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / scores.Count);
        if (!double.IsFinite(mean))
        {
            return new CandidateScore(candidate.Name, candidate, null, null, null, scores, stopwatch.Elapsed.TotalSeconds, "failed: its score is not a number");
        }

        return new CandidateScore(
            candidate.Name, candidate, mean, spread, logLosses.Count > 0 ? logLosses.Average() : null, scores, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>Indexes of the rows selection uses: all, or a seeded sample of <see cref="ModelTrainingOptions.SelectionSampleRows"/>.</summary>
    private int[] Sample(int count)
    {
        var indexes = Enumerable.Range(0, count).ToArray();
        new Random(options.Seed).Shuffle(indexes);
        return count <= options.SelectionSampleRows ? indexes : indexes[..options.SelectionSampleRows];
    }

    /// <summary>
    /// Fewer folds for tiny data (each validation fold keeps about 30 rows, at least 2 folds) and 3 for large data,
    /// where one fold already validates on thousands of rows and more folds would only cost time.
    /// </summary>
    private int FoldCount(int rows)
    {
        var folds = Math.Clamp(rows / 30, 2, options.CrossValidationFolds);
        return rows >= 10_000 ? Math.Min(folds, 3) : folds;
    }

    /// <summary>Fold of each sampled row: dealt round-robin in shuffled order, class by class for classification.</summary>
    private static int[] AssignFolds(int[] sample, IReadOnlyList<int>? classIndexes, int folds)
    {
        var foldOf = new int[sample.Length];
        var order = classIndexes is null
            ? Enumerable.Range(0, sample.Length)
            : Enumerable.Range(0, sample.Length).OrderBy(i => classIndexes[sample[i]]);
        var next = 0;
        foreach (var i in order)
        {
            foldOf[i] = next++ % folds;
        }

        return foldOf;
    }
}
