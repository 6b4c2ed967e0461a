using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>A fitted model, the input schema it was saved with, and its report.</summary>
public sealed record TrainedModel(ITransformer Model, DataViewSchema InputSchema, TrainingReport Report);

/// <summary>
/// Trains an ML.NET regression model on processed rows: seeded train/holdout split, one-hot
/// encoding of categoricals, normalization where the trainer needs it (Sdca), the configured
/// trainer, then R², RMSE and MAE on the holdout. CPU-bound and synchronous inside; callers on the
/// host should use <see cref="TrainAsync"/>, which runs it off the caller's thread.
/// </summary>
public sealed class ModelTrainer(ModelTrainingOptions options, TimeProvider timeProvider)
{
    private const string CategoricalEncodedColumn = "CategoricalEncoded";
    private const string FeaturesColumn = "Features";

    /// <summary>Trains on a worker thread; cancellation stops ML.NET at its next check.</summary>
    public Task<TrainedModel> TrainAsync(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        CancellationToken cancellationToken) =>
        Task.Run(() => Train(datasetId, schema, processing, rows, cancellationToken), cancellationToken);

    public TrainedModel Train(
        string datasetId,
        DatasetSchema schema,
        DataProcessingOptions processing,
        IReadOnlyList<ProcessedRow> rows,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < options.MinimumRows)
        {
            throw new InvalidOperationException($"Dataset '{datasetId}' has {rows.Count} rows; training needs at least {options.MinimumRows}.");
        }

        var layout = schema.GetFeatureLayout();
        if (layout.Numeric.Concat(layout.Categorical).Contains(schema.LabelColumn, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"The label '{schema.LabelColumn}' is among the features.");
        }

        var startedAt = timeProvider.GetUtcNow();
        var (train, holdout) = Split(rows);
        var mapper = new ModelInputMapper(layout);
        var mlContext = new MLContext(options.Seed);

        var fitStarted = timeProvider.GetTimestamp();
        var trainInputs = train.Select(r => mapper.Map(r.Numeric, r.Categorical, r.Label)).ToList();
        // MLContext's own cancellation is internal; a data source that checks the token on every row
        // read stops ML.NET at its next pass over the data instead.
        var trainView = mapper.ToDataView(mlContext, CheckingCancellation(trainInputs, cancellationToken));
        var model = BuildPipeline(mlContext, layout).Fit(trainView);
        cancellationToken.ThrowIfCancellationRequested();
        var fitDuration = timeProvider.GetElapsedTime(fitStarted);

        var evaluationStarted = timeProvider.GetTimestamp();
        var holdoutView = mapper.ToDataView(mlContext, holdout.Select(r => mapper.Map(r.Numeric, r.Categorical, r.Label)).ToList());
        var metrics = mlContext.Regression.Evaluate(model.Transform(holdoutView), ModelInputMapper.LabelColumn, ModelInputMapper.ScoreColumn);
        var evaluationDuration = timeProvider.GetElapsedTime(evaluationStarted);

        var report = new TrainingReport
        {
            DatasetId = datasetId,
            TrainingOptions = options,
            Processing = processing,
            Schema = schema,
            NumericFeatures = layout.Numeric,
            CategoricalFeatures = layout.Categorical,
            NumericStatistics = FeatureStatisticsCalculator.Numeric(train, layout, options.HistogramBins),
            CategoricalStatistics = FeatureStatisticsCalculator.Categorical(train, layout, options.MaxTrackedCategories),
            TrainRowCount = train.Count,
            HoldoutRowCount = holdout.Count,
            Metrics = new RegressionMetricsSummary(metrics.RSquared, metrics.RootMeanSquaredError, metrics.MeanAbsoluteError),
            Timings = new TrainingTimings(startedAt, timeProvider.GetUtcNow(), fitDuration, evaluationDuration),
        };
        return new TrainedModel(model, trainView.Schema, report);
    }

    private static IEnumerable<ModelInput> CheckingCancellation(List<ModelInput> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }

    /// <summary>
    /// Orders rows by (dataset, row number) before a seeded shuffle, so the split depends only on
    /// which rows exist, not on the order Kafka happened to deliver them.
    /// </summary>
    private (List<ProcessedRow> Train, List<ProcessedRow> Holdout) Split(IReadOnlyList<ProcessedRow> rows)
    {
        var ordered = rows
            .OrderBy(r => r.DatasetId, StringComparer.Ordinal)
            .ThenBy(r => r.RowNumber)
            .ToArray();
        new Random(options.Seed).Shuffle(ordered);
        var holdoutCount = Math.Clamp((int)Math.Round(ordered.Length * options.HoldoutFraction), 1, ordered.Length - 1);
        return (ordered[holdoutCount..].ToList(), ordered[..holdoutCount].ToList());
    }

    private IEstimator<ITransformer> BuildPipeline(MLContext mlContext, FeatureLayout layout)
    {
        var featureInputs = new List<string>();
        if (layout.Numeric.Count > 0)
        {
            featureInputs.Add(ModelInputMapper.NumericColumn);
        }

        IEstimator<ITransformer>? pipeline = null;
        if (layout.Categorical.Count > 0)
        {
            // Bag over column-prefixed tokens is exactly one-hot per column, in one compact vector.
            pipeline = mlContext.Transforms.Categorical.OneHotEncoding(
                CategoricalEncodedColumn,
                ModelInputMapper.CategoricalColumn,
                Microsoft.ML.Transforms.OneHotEncodingEstimator.OutputKind.Bag);
            featureInputs.Add(CategoricalEncodedColumn);
        }

        var concatenate = mlContext.Transforms.Concatenate(FeaturesColumn, [.. featureInputs]);
        pipeline = pipeline is null ? concatenate : pipeline.Append(concatenate);
        if (options.Trainer == TrainerKind.Sdca)
        {
            // Linear models converge badly on unscaled inputs (Age ~ 40 vs Date.year ~ 2023).
            pipeline = pipeline.Append(mlContext.Transforms.NormalizeMeanVariance(FeaturesColumn));
        }

        return pipeline.Append(CreateTrainer(mlContext));
    }

    private IEstimator<ITransformer> CreateTrainer(MLContext mlContext) => options.Trainer switch
    {
        TrainerKind.FastTree => mlContext.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            LabelColumnName = ModelInputMapper.LabelColumn,
            FeatureColumnName = FeaturesColumn,
            NumberOfTrees = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            LearningRate = options.LearningRate,
            NumberOfThreads = options.NumberOfThreads,
            Seed = options.Seed,
        }),
        TrainerKind.FastForest => mlContext.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            LabelColumnName = ModelInputMapper.LabelColumn,
            FeatureColumnName = FeaturesColumn,
            NumberOfTrees = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            NumberOfThreads = options.NumberOfThreads,
            Seed = options.Seed,
        }),
        TrainerKind.LightGbm => mlContext.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            LabelColumnName = ModelInputMapper.LabelColumn,
            FeatureColumnName = FeaturesColumn,
            NumberOfIterations = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            LearningRate = options.LearningRate,
            NumberOfThreads = options.NumberOfThreads,
            Seed = options.Seed,
        }),
        TrainerKind.Sdca => mlContext.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options
        {
            LabelColumnName = ModelInputMapper.LabelColumn,
            FeatureColumnName = FeaturesColumn,
            MaximumNumberOfIterations = options.SdcaMaximumIterations,
            NumberOfThreads = options.NumberOfThreads,
        }),
        _ => throw new InvalidOperationException($"Unknown trainer {options.Trainer}."),
    };
}
