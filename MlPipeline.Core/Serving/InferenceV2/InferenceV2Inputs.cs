using System.Text.Json;
using System.Text.Json.Nodes;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Serving.InferenceV2;

/// <summary>
/// Turns an inference request's <c>inputs</c> into one feature array per row, in the model's feature order, accepting
/// the two tabular layouts clients use: <b>columnar</b>, one input per feature named after it with shape <c>[N]</c> (or
/// <c>[N, 1]</c>), numeric datatypes for numeric features and <c>BYTES</c> for categorical and date features; and
/// <b>tensor</b>, one input of shape <c>[N, F]</c> with the F features in the model's order, <c>BYTES</c> when any
/// feature is text (numbers may then be given as numbers or as text) or a numeric datatype when all are numeric.
/// <c>data</c> may be flat (row-major) or nested. Values are only shaped here; the door
/// (<see cref="PredictionInputValidator"/>) checks them.
/// </summary>
public static class InferenceV2Inputs
{
    public const string Bytes = "BYTES";

    private static readonly HashSet<string> NumericDatatypes =
        ["UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64"];

    private static readonly HashSet<string> KnownDatatypes = [.. NumericDatatypes, Bytes, "BOOL"];

    /// <summary>The protocol datatype a feature is described with in metadata and expected with in columnar inputs.</summary>
    public static string DatatypeOf(FeatureKind kind) => kind == FeatureKind.Numeric ? "FP64" : Bytes;

    public static bool TryDecode(JsonNode? inputsNode, IReadOnlyList<FeatureColumn> features, out List<JsonArray> rows, out string? error)
    {
        rows = [];
        if (inputsNode is not JsonArray inputs || inputs.Count == 0)
        {
            error = "'inputs' must be a non-empty array of tensors";
            return false;
        }

        var tensors = new List<Tensor>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            if (!TryReadTensor(inputs[i], i, out var tensor, out error))
            {
                return false;
            }

            tensors.Add(tensor!);
        }

        var featureIndex = features.Select((feature, index) => (feature.Name, index)).ToDictionary(pair => pair.Name, pair => pair.index, StringComparer.Ordinal);
        return tensors is [{ Shape.Count: 2 } single] && !featureIndex.ContainsKey(single.Name)
            ? TryDecodeTensor(single, features, rows, out error)
            : TryDecodeColumns(tensors, features, featureIndex, rows, out error);
    }

    private static bool TryDecodeTensor(Tensor tensor, IReadOnlyList<FeatureColumn> features, List<JsonArray> rows, out string? error)
    {
        if (tensor.Shape[1] != features.Count)
        {
            error = $"input '{tensor.Name}' has shape [{tensor.Shape[0]}, {tensor.Shape[1]}]; the model takes {features.Count} features per row "
                + $"({string.Join(", ", features.Select(f => f.Name))})";
            return false;
        }

        var text = features.Where(f => f.Kind != FeatureKind.Numeric).Select(f => f.Name).ToList();
        if (tensor.Datatype != Bytes && text.Count > 0)
        {
            error = $"input '{tensor.Name}' is {tensor.Datatype}, but the model has text features ({string.Join(", ", text)}): "
                + "send the tensor as BYTES or one input per feature";
            return false;
        }

        for (var row = 0; row < tensor.Shape[0]; row++)
        {
            var values = new JsonArray();
            for (var column = 0; column < features.Count; column++)
            {
                var element = tensor.Data[(row * features.Count) + column];
                // In a mixed BYTES tensor a numeric column may hold numbers or text; the door parses either.
                if (!IsScalarOf(element, tensor.Datatype, allowNumbersInBytes: true))
                {
                    error = ElementError(tensor, (row * features.Count) + column, element);
                    return false;
                }

                values.Add(element?.DeepClone());
            }

            rows.Add(values);
        }

        error = null;
        return true;
    }

    private static bool TryDecodeColumns(
        List<Tensor> tensors, IReadOnlyList<FeatureColumn> features, Dictionary<string, int> featureIndex, List<JsonArray> rows, out string? error)
    {
        var columns = new Tensor?[features.Count];
        foreach (var tensor in tensors)
        {
            if (!featureIndex.TryGetValue(tensor.Name, out var index))
            {
                error = $"input '{tensor.Name}' is not a feature of the model; give one input per feature "
                    + $"({string.Join(", ", features.Select(f => f.Name))}) or one [N, {features.Count}] tensor";
                return false;
            }

            if (columns[index] is not null)
            {
                error = $"input '{tensor.Name}' is given twice";
                return false;
            }

            if (tensor.Shape.Count > 2 || (tensor.Shape.Count == 2 && tensor.Shape[1] != 1))
            {
                error = $"input '{tensor.Name}' must have shape [N] (one value per row), got [{string.Join(", ", tensor.Shape)}]";
                return false;
            }

            var expected = DatatypeOf(features[index].Kind);
            var fits = features[index].Kind == FeatureKind.Numeric ? NumericDatatypes.Contains(tensor.Datatype) : tensor.Datatype == Bytes;
            if (!fits)
            {
                error = $"input '{tensor.Name}' is {tensor.Datatype}; feature '{tensor.Name}' is {features[index].Kind.ToString().ToLowerInvariant()}, send it as {expected}";
                return false;
            }

            columns[index] = tensor;
        }

        if (Array.FindIndex(columns, column => column is null) is var missing and >= 0)
        {
            error = $"input '{features[missing].Name}' is missing; the model takes one input per feature ({string.Join(", ", features.Select(f => f.Name))})";
            return false;
        }

        var count = columns[0]!.Shape[0];
        if (columns.FirstOrDefault(column => column!.Shape[0] != count) is { } uneven)
        {
            error = $"inputs must all have the same number of rows: '{columns[0]!.Name}' has {count}, '{uneven.Name}' has {uneven.Shape[0]}";
            return false;
        }

        for (var row = 0; row < count; row++)
        {
            var values = new JsonArray();
            foreach (var column in columns)
            {
                var element = column!.Data[row];
                if (!IsScalarOf(element, column.Datatype, allowNumbersInBytes: false))
                {
                    error = ElementError(column, row, element);
                    return false;
                }

                values.Add(element?.DeepClone());
            }

            rows.Add(values);
        }

        error = null;
        return true;
    }

    private static bool TryReadTensor(JsonNode? node, int position, out Tensor? tensor, out string? error)
    {
        tensor = null;
        var where = $"inputs[{position}]";
        if (node is not JsonObject input)
        {
            error = $"'{where}' must be an object with name, shape, datatype and data";
            return false;
        }

        if (input["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name) || name.Length == 0)
        {
            error = $"'{where}.name' must be a non-empty string";
            return false;
        }

        where = $"input '{name}'";
        if (input["datatype"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var datatype) || !KnownDatatypes.Contains(datatype))
        {
            error = $"{where}: 'datatype' must be one of {string.Join(", ", KnownDatatypes)}";
            return false;
        }

        if (datatype == "BOOL")
        {
            error = $"{where}: BOOL inputs are not supported; the model takes numbers (FP64) and text (BYTES)";
            return false;
        }

        if (input["shape"] is not JsonArray shapeArray || shapeArray.Count is 0 or > 2)
        {
            error = $"{where}: 'shape' must be [N] or [N, F]";
            return false;
        }

        var shape = new List<int>(shapeArray.Count);
        foreach (var dimension in shapeArray)
        {
            if (dimension is not JsonValue value || !value.TryGetValue<int>(out var size) || size < 0)
            {
                error = $"{where}: 'shape' must hold non-negative integers, got [{string.Join(", ", shapeArray.Select(d => d?.ToJsonString()))}]";
                return false;
            }

            shape.Add(size);
        }

        if (input["data"] is not JsonArray dataArray)
        {
            error = $"{where}: 'data' must be an array";
            return false;
        }

        var data = new List<JsonNode?>();
        Flatten(dataArray, data);
        var elements = shape.Aggregate(1L, (product, size) => product * size);
        if (data.Count != elements)
        {
            error = $"{where}: shape [{string.Join(", ", shape)}] holds {elements} elements, 'data' has {data.Count}";
            return false;
        }

        tensor = new Tensor(name, datatype, shape, data);
        error = null;
        return true;
    }

    private static void Flatten(JsonArray array, List<JsonNode?> into)
    {
        foreach (var item in array)
        {
            if (item is JsonArray nested)
            {
                Flatten(nested, into);
            }
            else
            {
                into.Add(item);
            }
        }
    }

    private static bool IsScalarOf(JsonNode? element, string datatype, bool allowNumbersInBytes)
    {
        if (element is not JsonValue value)
        {
            return false;
        }

        var kind = value.GetValueKind();
        return datatype == Bytes
            ? kind == JsonValueKind.String || (allowNumbersInBytes && kind == JsonValueKind.Number)
            : kind == JsonValueKind.Number;
    }

    private static string ElementError(Tensor tensor, int index, JsonNode? element) =>
        $"input '{tensor.Name}' element {index} must be {(tensor.Datatype == Bytes ? "a string" : "a number")} ({tensor.Datatype}), "
        + $"got {element?.ToJsonString() ?? "null"}";

    private sealed record Tensor(string Name, string Datatype, IReadOnlyList<int> Shape, IReadOnlyList<JsonNode?> Data);
}
