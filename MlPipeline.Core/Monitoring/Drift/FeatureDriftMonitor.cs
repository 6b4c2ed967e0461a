using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Monitoring;

/// <summary>Drift of one served feature against its training distribution.</summary>
/// <param name="Kind">numeric or categorical.</param>
/// <param name="Psi">Population stability index; null until <paramref name="Samples"/> reaches the minimum.</param>
public sealed record FeatureDrift(string Model, int Version, string Feature, string Kind, int Samples, double? Psi);

/// <summary>
/// Keeps a rolling window of the values served for each feature of each model's current version and compares it with
/// that version's training statistics (<see cref="TrainingReport.NumericStatistics"/> histogram,
/// <see cref="TrainingReport.CategoricalStatistics"/> frequencies) by <see cref="PopulationStabilityIndex"/>.
/// Features are matched by name; request columns the model has no statistics for are ignored. Thread-safe: serving
/// calls <see cref="OnPrediction"/> from many requests at once.
/// </summary>
public sealed class FeatureDriftMonitor(int windowSize, int minSamples) : IPredictionObserver
{
    private readonly ConcurrentDictionary<string, ModelWindows> models = new(StringComparer.Ordinal);

    /// <summary>Compares <paramref name="model"/>'s requests with <paramref name="report"/> from now on (windows restart).</summary>
    public void SetBaseline(string model, int version, TrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        models[model] = new ModelWindows(version, report, windowSize);
    }

    /// <summary>The version each model's drift is currently measured against.</summary>
    public int? BaselineVersion(string model) => models.TryGetValue(model, out var windows) ? windows.Version : null;

    public void OnPrediction(PredictionObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (!models.TryGetValue(observation.ModelName, out var windows))
        {
            return;
        }

        foreach (var (feature, value) in observation.Features)
        {
            if (windows.Numeric.TryGetValue(feature, out var numeric) && TryGetNumber(value, out var number))
            {
                numeric.Add(number);
            }
            else if (windows.Categorical.TryGetValue(feature, out var categorical) && TryGetCategory(value, out var category))
            {
                categorical.Add(category);
            }
        }
    }

    public IReadOnlyList<FeatureDrift> Snapshot()
    {
        var result = new List<FeatureDrift>();
        foreach (var (model, windows) in models.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            foreach (var (feature, window) in windows.Numeric.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var values = window.Values();
                var statistics = windows.Report.NumericStatistics[feature];
                double? psi = values.Length >= minSamples
                    ? Math.Round(PopulationStabilityIndex.Numeric(statistics.BinEdges, statistics.BinProportions, values), 4)
                    : null;
                result.Add(new FeatureDrift(model, windows.Version, feature, "numeric", values.Length, psi));
            }

            foreach (var (feature, window) in windows.Categorical.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var values = window.Values();
                var statistics = windows.Report.CategoricalStatistics[feature];
                double? psi = values.Length >= minSamples
                    ? Math.Round(PopulationStabilityIndex.Categorical(statistics.Frequencies, values, CategoricalFeatureStatistics.OtherCategory), 4)
                    : null;
                result.Add(new FeatureDrift(model, windows.Version, feature, "categorical", values.Length, psi));
            }
        }

        return result;
    }

    private static bool TryGetNumber(object? value, out double number)
    {
        switch (value)
        {
            case double d:
                number = d;
                return double.IsFinite(d);
            case float or int or long or short or decimal:
                number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return true;
            case string text:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);
            case JsonElement { ValueKind: JsonValueKind.Number } element:
                return element.TryGetDouble(out number);
            case JsonElement { ValueKind: JsonValueKind.String } element:
                return double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default:
                number = 0;
                return false;
        }
    }

    private static bool TryGetCategory(object? value, out string category)
    {
        category = value switch
        {
            null => "",
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
            JsonElement element => element.GetRawText(),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return value is not null;
    }

    private sealed class ModelWindows
    {
        public ModelWindows(int version, TrainingReport report, int windowSize)
        {
            Version = version;
            Report = report;
            Numeric = report.NumericStatistics.Keys.ToDictionary(name => name, _ => new SlidingWindow<double>(windowSize), StringComparer.Ordinal);
            Categorical = report.CategoricalStatistics.Keys.ToDictionary(name => name, _ => new SlidingWindow<string>(windowSize), StringComparer.Ordinal);
        }

        public int Version { get; }

        public TrainingReport Report { get; }

        public Dictionary<string, SlidingWindow<double>> Numeric { get; }

        public Dictionary<string, SlidingWindow<string>> Categorical { get; }
    }
}

/// <summary>The last <c>capacity</c> values added. Thread-safe.</summary>
internal sealed class SlidingWindow<T>(int capacity)
{
    private readonly Lock gate = new();
    private readonly T[] items = new T[capacity];
    private long added;

    public void Add(T value)
    {
        lock (gate)
        {
            items[added % capacity] = value;
            added++;
        }
    }

    public T[] Values()
    {
        lock (gate)
        {
            return items.Take((int)Math.Min(added, capacity)).ToArray();
        }
    }
}
