using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Training;

namespace MlPipeline.Benchmarks.Training;

/// <summary>
/// `training`: wall time of <see cref="ModelTrainer"/> per trainer and row count (issue 4, "Speed"; issue 16: the
/// time of model selection, trainer auto, at 1k/10k/100k rows). The rows
/// are made the way the pipeline makes them: a generated CSV with the sample's columns, read by CsvRowStream,
/// schema inferred and every row cleaned by RowProcessor; that preparation is timed separately. Each trainer runs
/// with the shipped training defaults (config/kafka_config.yaml), so the figures are those of a default install.
/// </summary>
public sealed class TrainingBenchmarkCommand : IBenchmarkCommand
{
    private const string DatasetId = "bench-training";

    public string Name => "training";
    public string Summary => "ModelTrainer (model selection, fit, holdout evaluation) per trainer and row count on generated processed rows (issues 4, 16)";
    public string Usage => """
        usage: dotnet run -c Release --project MlPipeline.Benchmarks -- training [options]
          --rows N[,N...]      processed rows to train on, one run each (default 100000; 80 % train, 20 % holdout)
          --trainers A,B       any of auto, fasttree, lightgbm, sdca, fastforest (default all five)
          --threads T          training.threads (default 0: ML.NET chooses, as shipped)
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> rowCounts = [100_000];
        var threads = 0;
        IReadOnlyList<TrainerKind> trainers = Enum.GetValues<TrainerKind>();
        var parser = new BenchmarkOptionParser()
            .Option("--rows", "a comma-separated list of row counts, each >= 10", text => TryRowCounts(text, counts => rowCounts = counts))
            .Int("--threads", 0, 1024, count => threads = count)
            .Option("--trainers", $"a comma-separated list of {string.Join(", ", Enum.GetNames<TrainerKind>())}", text => TryTrainers(text, kinds => trainers = kinds));
        if (!parser.TryParse(arguments, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var output = Console.Out;
        MachineFacts.Collect(null).Print(output);
        var defaults = new TrainingSectionOptions { Threads = threads };
        output.WriteLine($"training:  shipped defaults: {defaults.NumberOfTrees} trees/iterations, {defaults.NumberOfLeaves} leaves, " +
                         $"min {defaults.MinimumExampleCountPerLeaf} per leaf, learning rate {defaults.LearningRate}, holdout {defaults.HoldoutFraction:P0}, " +
                         $"seed {defaults.Seed}, threads {(threads == 0 ? "ML.NET default" : threads)}; auto: search budget {defaults.SearchSeconds} s, {defaults.CvFolds} folds");

        output.WriteLine();
        output.WriteLine("| trainer | rows | wall s | selection s | fit s | holdout eval s | holdout R² | RMSE | MAE | model (auto: the winner) | load before |");
        output.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|");
        foreach (var rowCount in rowCounts)
        {
            var (schema, processing, rows) = await ProcessedRowsAsync(rowCount, cancellationToken);
            foreach (var kind in trainers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string load = MachineFacts.Collect(null).LoadAverage ?? "n/a";
                var trainer = new ModelTrainer(defaults.ToTrainingOptions() with { Trainer = kind }, TimeProvider.System);
                var wall = Stopwatch.StartNew();
                var trained = trainer.Train(DatasetId, schema, processing, rows, cancellationToken);
                wall.Stop();
                var report = trained.Report;
                var metrics = report.Metrics!;
                output.WriteLine(
                    $"| {kind.ToString().ToLowerInvariant()} | {rows.Count:N0} | {wall.Elapsed.TotalSeconds:N1} | {report.Timings.SelectionDuration.TotalSeconds:N1} " +
                    $"| {report.Timings.FitDuration.TotalSeconds:N1} | {report.Timings.EvaluationDuration.TotalSeconds:N2} | {metrics.RSquared:F4} " +
                    $"| {metrics.RootMeanSquaredError:N2} | {metrics.MeanAbsoluteError:N2} | {report.TrainerName()} | {load} |");
                output.Flush();
            }
        }

        return 0;
    }

    /// <summary>The pipeline's own path from CSV text to <see cref="ProcessedRow"/>s, without Kafka in between.</summary>
    private static async Task<(DatasetSchema Schema, DataProcessingOptions Processing, List<ProcessedRow> Rows)> ProcessedRowsAsync(
        int rowCount, CancellationToken cancellationToken)
    {
        using var csv = new MemoryStream();
        await using (var writer = new StreamWriter(csv, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true))
        {
            SalesCsvGenerator.Write(writer, rowCount);
        }

        var data = new DataSectionOptions();
        var processing = data.ToProcessingOptions(data.LabelColumn);
        var reader = new CsvRowStream();
        csv.Position = 0;
        var schema = await new SchemaInference(processing).InferAsync(reader.ReadAsync(csv, cancellationToken), cancellationToken);
        var processor = new RowProcessor(schema, processing);
        var rows = new List<ProcessedRow>(rowCount);
        csv.Position = 0;
        await foreach (var row in reader.ReadAsync(csv, cancellationToken))
        {
            var result = processor.Process(DatasetId, row);
            if (result.Row is { } processed) rows.Add(processed);
            else throw new InvalidOperationException($"generated row {row.RowNumber} was rejected: {result.RejectionReason}");
        }
        return (schema, processing, rows);
    }

    private static bool TryRowCounts(string text, Action<IReadOnlyList<int>> apply)
    {
        var parsed = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 10)
            {
                return false;
            }

            parsed.Add(count);
        }

        if (parsed.Count > 0)
        {
            apply(parsed);
        }

        return parsed.Count > 0;
    }

    private static bool TryTrainers(string text, Action<IReadOnlyList<TrainerKind>> apply)
    {
        var parsed = new List<TrainerKind>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse(part, ignoreCase: true, out TrainerKind kind) || !Enum.IsDefined(kind))
            {
                return false;
            }

            parsed.Add(kind);
        }

        if (parsed.Count > 0)
        {
            apply(parsed);
        }

        return parsed.Count > 0;
    }
}
