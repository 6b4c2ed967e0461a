using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using MlPipeline.Core.Data;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Serving;

/// <summary>Pool sizing for <see cref="ModelScorer"/>. Maps to the <c>serving</c> config section.</summary>
public sealed record ModelScorerOptions
{
    /// <summary>Prediction engines kept for reuse; more concurrent callers still work, they just build extra engines.</summary>
    /// <value>Defaults to twice the processor count.</value>
    public int MaxPooledEngines { get; init; } = Environment.ProcessorCount * 2;
}

/// <summary>A prediction, or the precise reason the input could not be scored.</summary>
/// <param name="Prediction">Regression: the predicted number. Classification: the probability of <see cref="Label"/>.</param>
public sealed record ScoringResult(double? Prediction, string? Error)
{
    /// <summary>Classification: the most probable class, as it appeared in the training data.</summary>
    public string? Label { get; init; }

    /// <summary>Classification: the probability of every class (summing to 1), keyed by class.</summary>
    public IReadOnlyDictionary<string, double>? Probabilities { get; init; }

    public bool Succeeded => Prediction is not null;

    public static ScoringResult Failed(string error) => new(null, error);
}

/// <summary>
/// Scores inputs with one loaded model version. Inputs are raw feature values — numbers, category
/// names, dates as text — given either as an array in <see cref="InputColumns"/> order or as an
/// object keyed by column name; both go through the same <see cref="RowProcessor"/> feature
/// engineering the training rows did, so serving cannot drift from training. ML.NET's
/// PredictionEngine is not thread-safe and is costly to build, so engines come from a pool built
/// once per model, never per request. Safe to call from many threads. A classifier answers its most probable class
/// and the probability of each class; a regressor the number.
/// </summary>
public sealed class ModelScorer : IDisposable
{
    private readonly RowProcessor processor;
    private readonly ModelInputMapper mapper;
    private readonly IEnginePool engines;

    public ModelScorer(LoadedModel model, ModelScorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        var training = model.Metadata.Training;
        // Serving never invents values: a missing input is an error to the caller, not a silent fill.
        var strict = training.Processing with
        {
            MissingValues = new MissingValuePolicies
            {
                Numeric = MissingValuePolicy.Reject,
                Categorical = MissingValuePolicy.Reject,
                Date = MissingValuePolicy.Reject,
            },
        };
        processor = new RowProcessor(training.Schema, strict);
        var classes = training.Classes ?? [];
        mapper = new ModelInputMapper(training.FeatureLayout(), classes.Count);
        InputColumns = training.Schema.Features.Select(f => f.Name).ToList();
        var mlContext = new MLContext(training.TrainingOptions.Seed);
        var retained = Math.Max(1, (options ?? new()).MaxPooledEngines);
        engines = training.Task switch
        {
            TrainingTask.Binary => new EnginePool<BinaryModelOutput>(
                mlContext, model.Model, mapper, retained, output => Classified(ModelOutputs.Binary(output.Probability), classes)),
            TrainingTask.Multiclass => new EnginePool<MulticlassModelOutput>(
                mlContext, model.Model, mapper, retained, output => Classified(ModelOutputs.Normalize(output.Score, classes.Count), classes)),
            _ => new EnginePool<ModelOutput>(mlContext, model.Model, mapper, retained, output => new ScoringResult(output.Score, null)),
        };
    }

    public LoadedModel Model { get; }

    /// <summary>The raw feature columns, in the order the array form expects.</summary>
    public IReadOnlyList<string> InputColumns { get; }

    /// <summary>Scores values given in <see cref="InputColumns"/> order.</summary>
    public ScoringResult Score(IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != InputColumns.Count)
        {
            return ScoringResult.Failed(
                $"expected {InputColumns.Count} values in order ({string.Join(", ", InputColumns)}), got {values.Count}");
        }

        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            if (ToText(InputColumns[i], values[i], raw) is { } error)
            {
                return ScoringResult.Failed(error);
            }
        }

        return Score(raw);
    }

    /// <summary>Scores values keyed by feature column name.</summary>
    public ScoringResult Score(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var unknown = values.Keys.Where(k => !InputColumns.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            return ScoringResult.Failed(
                $"unknown feature(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}; expected: {string.Join(", ", InputColumns)}");
        }

        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var column in InputColumns)
        {
            values.TryGetValue(column, out var value);
            if (ToText(column, value, raw) is { } error)
            {
                return ScoringResult.Failed(error);
            }
        }

        return Score(raw);
    }

    private ScoringResult Score(Dictionary<string, string> raw)
    {
        var features = processor.EngineerFeatures(raw);
        if (features.Features is not { } engineered)
        {
            return ScoringResult.Failed(features.Error!);
        }

        return engines.Predict(mapper.Map(engineered.Numeric, engineered.Categorical, label: 0));
    }

    /// <summary>
    /// Builds up to <paramref name="engines"/> prediction engines now (each takes milliseconds), so the first requests
    /// after a model swap do not pay for them.
    /// </summary>
    public void WarmUp(int engines) => this.engines.WarmUp(engines);

    /// <summary>
    /// Disposes pooled engines. Safe during a hot swap: an engine still in use is disposed when returned.
    /// </summary>
    public void Dispose() => engines.Dispose();

    /// <summary>The most probable class (the first on a tie), its probability, and every class's.</summary>
    private static ScoringResult Classified(double[] probabilities, IReadOnlyList<string> classes)
    {
        var best = ModelMetrics.ArgMax(probabilities);
        var byClass = new Dictionary<string, double>(classes.Count, StringComparer.Ordinal);
        for (var c = 0; c < classes.Count; c++)
        {
            byClass[classes[c]] = probabilities[c];
        }

        return new ScoringResult(probabilities[best], null) { Label = classes[best], Probabilities = byClass };
    }

    /// <summary>Turns one caller value into the raw text RowProcessor parses; null means missing.</summary>
    private static string? ToText(string column, object? value, Dictionary<string, string> raw)
    {
        string? text;
        switch (value)
        {
            case null:
                return null;
            case string s:
                text = s;
                break;
            case double d when !double.IsFinite(d):
            case float f when !float.IsFinite(f):
                return $"column '{column}' value {Convert.ToString(value, CultureInfo.InvariantCulture)} is not a finite number";
            case DateOnly date:
                text = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                break;
            case DateTime dateTime:
                text = dateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                break;
            case double d:
                text = d.ToString("R", CultureInfo.InvariantCulture);
                break;
            case float f:
                text = f.ToString("R", CultureInfo.InvariantCulture);
                break;
            case JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                return null;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                text = element.GetString();
                break;
            case JsonElement { ValueKind: JsonValueKind.Number } element:
                text = element.GetRawText();
                break;
            case JsonElement element:
                return $"column '{column}' must be a number or a string, got {element.ValueKind}";
            case IFormattable formattable:
                text = formattable.ToString(null, CultureInfo.InvariantCulture);
                break;
            default:
                return $"column '{column}' must be a number or a string, got {value.GetType().Name}";
        }

        if (text is not null)
        {
            raw[column] = text;
        }

        return null;
    }

    /// <summary>Prediction engines of one output type (regression, binary or multiclass), pooled.</summary>
    private interface IEnginePool : IDisposable
    {
        ScoringResult Predict(ModelInput input);

        void WarmUp(int count);
    }

    private sealed class EnginePool<TOutput> : IEnginePool
        where TOutput : class, new()
    {
        private readonly ObjectPool<PredictionEngine<ModelInput, TOutput>> pool;
        private readonly Func<TOutput, ScoringResult> read;

        public EnginePool(MLContext mlContext, ITransformer model, ModelInputMapper mapper, int retained, Func<TOutput, ScoringResult> read)
        {
            this.read = read;
            // For IDisposable items the provider builds a pool that disposes engines it drops or outlives.
            pool = new DefaultObjectPoolProvider { MaximumRetained = retained }.Create(new EnginePolicy(mlContext, model, mapper));
        }

        public ScoringResult Predict(ModelInput input)
        {
            var engine = pool.Get();
            try
            {
                return read(engine.Predict(input));
            }
            finally
            {
                pool.Return(engine);
            }
        }

        public void WarmUp(int count)
        {
            var built = new List<PredictionEngine<ModelInput, TOutput>>();
            for (var i = 0; i < count; i++)
            {
                built.Add(pool.Get());
            }

            foreach (var engine in built)
            {
                pool.Return(engine);
            }
        }

        public void Dispose() => (pool as IDisposable)?.Dispose();

        private sealed class EnginePolicy(MLContext mlContext, ITransformer model, ModelInputMapper mapper)
            : IPooledObjectPolicy<PredictionEngine<ModelInput, TOutput>>
        {
            private readonly Microsoft.ML.Data.SchemaDefinition inputDefinition = mapper.CreateSchemaDefinition();

            public PredictionEngine<ModelInput, TOutput> Create() =>
                mlContext.Model.CreatePredictionEngine<ModelInput, TOutput>(model, ignoreMissingColumns: true, inputSchemaDefinition: inputDefinition);

            public bool Return(PredictionEngine<ModelInput, TOutput> obj) => true;
        }
    }
}
