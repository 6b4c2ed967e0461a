using System.Globalization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Serving;

/// <summary>What is wrong with a request's features, and where: <see cref="Field"/> is the JSON path the caller wrote
/// (<c>features</c>, <c>features[0]</c>, <c>features.x1</c>).</summary>
public sealed record PredictionInputProblem(string Field, string Reason);

/// <summary>
/// Checks a request's features against the model's schema before anything is scored or published: the count (array
/// form), the names (object form), a value for every feature, and that numeric and date features hold values the
/// pipeline's own parsing accepts (<see cref="ValueParsing"/>, the rules training rows went through). A request it
/// passes can still fail inside the model, which the caller then learns as a scoring failure, not as bad input.
/// </summary>
public static class PredictionInputValidator
{
    /// <returns>Null when the features fit the model; otherwise the first problem found.</returns>
    public static PredictionInputProblem? Check(PredictionRequest request, ModelScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(scorer);
        var training = scorer.Model.Metadata.Training;
        var features = training.Schema.Features;
        var field = PredictionRequest.FeaturesField;

        if (request.OrderedFeatures is { } ordered)
        {
            if (ordered.Count != features.Count)
            {
                return new PredictionInputProblem(
                    field, $"expected {features.Count} values in order ({string.Join(", ", scorer.InputColumns)}), got {ordered.Count}");
            }

            for (var i = 0; i < features.Count; i++)
            {
                if (CheckValue(features[i], ordered[i], training.Processing.DateFormats) is { } reason)
                {
                    return new PredictionInputProblem($"{field}[{i}]", reason);
                }
            }

            return null;
        }

        var named = request.NamedFeatures!;
        foreach (var name in named.Keys)
        {
            if (!scorer.InputColumns.Contains(name, StringComparer.Ordinal))
            {
                return new PredictionInputProblem(
                    $"{field}.{name}", $"unknown feature '{name}'; expected: {string.Join(", ", scorer.InputColumns)}");
            }
        }

        foreach (var feature in features)
        {
            named.TryGetValue(feature.Name, out var value);
            if (CheckValue(feature, value, training.Processing.DateFormats) is { } reason)
            {
                return new PredictionInputProblem($"{field}.{feature.Name}", reason);
            }
        }

        return null;
    }

    private static string? CheckValue(FeatureColumn feature, object? value, IReadOnlyList<string> dateFormats)
    {
        var text = value switch
        {
            null => null,
            string s => s,
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
        if (string.IsNullOrWhiteSpace(text))
        {
            // Serving never fills a missing value (ModelScorer rejects it), so the door says so first.
            return $"column '{feature.Name}' is missing";
        }

        return feature.Kind switch
        {
            FeatureKind.Numeric when !ValueParsing.TryParseNumber(text, out _) => $"column '{feature.Name}' value '{text}' is not a number",
            FeatureKind.Date when !ValueParsing.TryParseDate(text, dateFormats, out _) => $"column '{feature.Name}' value '{text}' is not a date",
            _ => null,
        };
    }
}
