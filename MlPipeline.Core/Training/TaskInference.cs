using System.Globalization;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>
/// The classes of a classification label, in model output order: numeric classes by value, then text classes
/// ordinally ("false" before "true", "no" before "yes", so the second — the binary positive — is the affirmative
/// one). Each class is named as it appeared in the data; numbers as their shortest round-trip text.
/// </summary>
public sealed class ClassLabels
{
    private readonly Dictionary<string, int> indexByName;

    public ClassLabels(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Names = names;
        indexByName = names.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The class a row's label names.</summary>
    public static string NameOf(ProcessedRow row) =>
        row.LabelText ?? row.Label.ToString("R", CultureInfo.InvariantCulture);

    /// <exception cref="ArgumentException">The row's class is not one of these (it was not seen when they were built).</exception>
    public int IndexOf(ProcessedRow row) =>
        indexByName.TryGetValue(NameOf(row), out var index)
            ? index
            : throw new ArgumentException($"label '{NameOf(row)}' is not one of the model's classes");

    /// <summary>Orders class names: numbers by value first, then text ordinally.</summary>
    public static ClassLabels Ordered(IEnumerable<string> names) =>
        new(names
            .Distinct(StringComparer.Ordinal)
            .Select(name => (name, isNumber: double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out var value), value))
            .OrderBy(c => c.isNumber ? 0 : 1)
            .ThenBy(c => c.isNumber ? c.value : 0)
            .ThenBy(c => c.name, StringComparer.Ordinal)
            .Select(c => c.name)
            .ToList());
}

/// <summary>The task a model learns and, for classification, its classes; <see cref="Reason"/> says why.</summary>
public sealed record TaskDecision(TrainingTask Task, ClassLabels? Classes, string Reason);

/// <summary>
/// Decides regression or classification from the label column of the rows, or checks a requested task against it.
/// Inferred: any text label (a word, true/false) means classification; numbers are classes only when they are all
/// integers with at most <see cref="ModelTrainingOptions.MaxIntegerClasses"/> distinct values (0/1, ratings 1-5),
/// otherwise regression. A label with one class only, or with more than <see cref="ModelTrainingOptions.MaxClasses"/>,
/// cannot train a classifier and is refused with the reason.
/// </summary>
public sealed class TaskInference(ModelTrainingOptions options)
{
    /// <summary>Reads a task as configuration and <c>?task=</c> spell it: auto | regression | binary | multiclass (any case).</summary>
    public static bool TryParseTask(string text, out TrainingTask task)
    {
        ArgumentNullException.ThrowIfNull(text);
        task = text.Trim().ToLowerInvariant() switch
        {
            "auto" => TrainingTask.Auto,
            "regression" => TrainingTask.Regression,
            "binary" => TrainingTask.Binary,
            "multiclass" => TrainingTask.Multiclass,
            _ => (TrainingTask)(-1),
        };
        return Enum.IsDefined(task);
    }

    /// <summary>
    /// Few integers read as class codes only when they lie close together (0/1, ratings 1-5, codes 1, 2, 10): within
    /// twice <see cref="ModelTrainingOptions.MaxIntegerClasses"/> of each other. Amounts such as 25, 50, 300 are numbers.
    /// </summary>
    private bool AreCodes(HashSet<string> integers)
    {
        var values = integers.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        return values.Max() - values.Min() < 2 * options.MaxIntegerClasses;
    }

    /// <exception cref="InvalidOperationException">The label cannot train the requested or inferred task; the message says why.</exception>
    public TaskDecision Decide(string labelColumn, IReadOnlyList<ProcessedRow> rows, TrainingTask requested)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var firstText = rows.FirstOrDefault(r => r.LabelText is not null)?.LabelText;
        if (requested == TrainingTask.Regression)
        {
            return firstText is null
                ? new TaskDecision(TrainingTask.Regression, null, "task regression requested")
                : throw new InvalidOperationException(
                    $"Task regression needs a numeric label, but label '{labelColumn}' has text values such as '{firstText}'.");
        }

        // Counting stops just past the class limit, so a numeric label with a million values costs no more than that.
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var allIntegers = true;
        foreach (var row in rows)
        {
            allIntegers &= row.LabelText is null && row.Label == Math.Floor(row.Label);
            if (distinct.Count <= options.MaxClasses)
            {
                distinct.Add(ClassLabels.NameOf(row));
            }
        }

        if (requested == TrainingTask.Auto && firstText is null && (!allIntegers || distinct.Count > options.MaxIntegerClasses || !AreCodes(distinct)))
        {
            return new TaskDecision(
                TrainingTask.Regression,
                null,
                !allIntegers
                    ? "inferred regression: numeric label with fractional values"
                    : distinct.Count > options.MaxIntegerClasses
                        ? $"inferred regression: numeric label with more than {options.MaxIntegerClasses} distinct values"
                        : "inferred regression: integer label spread too widely to be class codes");
        }

        if (distinct.Count < 2)
        {
            throw new InvalidOperationException(
                $"Label '{labelColumn}' has one class only ('{distinct.FirstOrDefault()}' on all {rows.Count} rows); a classifier needs at least two classes.");
        }

        if (distinct.Count > options.MaxClasses)
        {
            throw new InvalidOperationException(
                $"Label '{labelColumn}' has more than {options.MaxClasses} distinct values, too many classes for classification; if it is a number, request task regression.");
        }

        if (requested == TrainingTask.Binary && distinct.Count != 2)
        {
            throw new InvalidOperationException(
                $"Task binary needs exactly two classes, but label '{labelColumn}' has {distinct.Count}: {string.Join(", ", distinct.Order(StringComparer.Ordinal).Take(10).Select(c => $"'{c}'"))}.");
        }

        var classes = ClassLabels.Ordered(distinct);
        var task = requested == TrainingTask.Multiclass || classes.Count > 2 ? TrainingTask.Multiclass : TrainingTask.Binary;
        var why = requested != TrainingTask.Auto
            ? $"task {requested.ToString().ToLowerInvariant()} requested"
            : firstText is not null
                ? $"inferred classification: text label ({classes.Count} classes)"
                : $"inferred classification: integer label with {classes.Count} distinct values";
        return new TaskDecision(task, classes, why);
    }
}
