using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlPipeline.Core.Serving;

/// <summary>
/// A prediction request's <c>data</c>, shape-checked: <c>features</c> as an array in the model's input order or as an
/// object keyed by feature name, each value a number, a string or null, and an optional <c>model</c> name. Values
/// are checked against the model only when scored (<see cref="Training.ModelScorer"/>).
/// </summary>
public sealed class PredictionRequest
{
    public const string FeaturesField = "features";
    public const string ModelField = "model";

    private PredictionRequest(string model, IReadOnlyList<object?>? ordered, IReadOnlyDictionary<string, object?>? named)
    {
        Model = model;
        OrderedFeatures = ordered;
        NamedFeatures = named;
    }

    public string Model { get; }

    /// <summary>The array form; null for the object form.</summary>
    public IReadOnlyList<object?>? OrderedFeatures { get; }

    /// <summary>The object form; null for the array form.</summary>
    public IReadOnlyDictionary<string, object?>? NamedFeatures { get; }

    /// <summary>Checks the shape of <paramref name="data"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(JsonObject data, string defaultModel, out PredictionRequest? request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(data);
        request = null;
        var model = defaultModel;
        if (data.TryGetPropertyValue(ModelField, out var modelNode) && modelNode is not null)
        {
            if (modelNode is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var named) || string.IsNullOrWhiteSpace(named))
            {
                error = $"'{ModelField}' must be a non-empty string, got {modelNode.GetValueKind()}";
                return false;
            }

            model = named;
        }

        if (!data.TryGetPropertyValue(FeaturesField, out var features) || features is null)
        {
            error = $"missing '{FeaturesField}': give an array of values in the model's feature order or an object keyed by feature name";
            return false;
        }

        switch (features)
        {
            case JsonArray array:
                var ordered = new object?[array.Count];
                for (var i = 0; i < array.Count; i++)
                {
                    if (!TryConvert(array[i], out ordered[i]))
                    {
                        error = $"'{FeaturesField}[{i}]' must be a number, a string or null, got {array[i]!.GetValueKind()}";
                        return false;
                    }
                }

                request = new PredictionRequest(model, ordered, null);
                error = null;
                return true;

            case JsonObject values:
                var byName = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (name, value) in values)
                {
                    if (!TryConvert(value, out var converted))
                    {
                        error = $"'{FeaturesField}.{name}' must be a number, a string or null, got {value!.GetValueKind()}";
                        return false;
                    }

                    byName[name] = converted;
                }

                request = new PredictionRequest(model, null, byName);
                error = null;
                return true;

            default:
                error = $"'{FeaturesField}' must be an array or an object, got {features.GetValueKind()}";
                return false;
        }
    }

    /// <summary>The features by input column when they can be named (object form, or array form of the right length).</summary>
    public IReadOnlyDictionary<string, object?> Interpret(IReadOnlyList<string> inputColumns)
    {
        if (NamedFeatures is not null)
        {
            return NamedFeatures;
        }

        var ordered = OrderedFeatures!;
        var byName = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(ordered.Count, inputColumns.Count); i++)
        {
            byName[inputColumns[i]] = ordered[i];
        }

        return byName;
    }

    /// <summary>
    /// Numbers become doubles, strings stay strings (categories, dates, or text the scorer reports as not a number).
    /// A number too large for a double stays as its text so the scorer can name it in its error.
    /// </summary>
    private static bool TryConvert(JsonNode? node, out object? value)
    {
        value = null;
        if (node is null)
        {
            return true;
        }

        if (node is not JsonValue jsonValue)
        {
            return false;
        }

        switch (jsonValue.GetValueKind())
        {
            case JsonValueKind.String:
                value = jsonValue.GetValue<string>();
                return true;
            case JsonValueKind.Number:
                value = jsonValue.TryGetValue<double>(out var number) && double.IsFinite(number) ? number : jsonValue.ToJsonString();
                return true;
            default:
                return false;
        }
    }
}
