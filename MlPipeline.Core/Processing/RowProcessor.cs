using MlPipeline.Core.Data;

namespace MlPipeline.Core.Processing;

/// <summary>
/// Validates, cleans and engineers one raw row against a <see cref="DatasetSchema"/>. Numbers are
/// parsed (invariant culture, finite only), categoricals trimmed, dates split into year, month,
/// day and day-of-week; missing values follow <see cref="DataProcessingOptions.MissingValues"/>.
/// Nothing is ever computed from the label. Thread-safe: the only state is the running means
/// used by <see cref="MissingValuePolicy.FillMean"/>, kept under a lock.
/// </summary>
public sealed class RowProcessor
{
    /// <summary>The category a missing categorical value becomes under <see cref="MissingValuePolicy.FillDefault"/>.</summary>
    public const string UnknownCategory = "unknown";

    private readonly DatasetSchema schema;
    private readonly DataProcessingOptions options;
    private readonly Dictionary<string, (double Sum, long Count)> runningMeans = new(StringComparer.Ordinal);
    private readonly Lock runningMeansLock = new();

    // Per date column, its four engineered names: built once here instead of four string concatenations per row.
    private readonly Dictionary<string, DatePartNames> datePartNames;

    // Every accepted row gets exactly these many features, so its dictionaries are sized once.
    private readonly int numericFeatureCount;
    private readonly int categoricalFeatureCount;

    public RowProcessor(DatasetSchema schema, DataProcessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MissingValues.Categorical == MissingValuePolicy.FillMean || options.MissingValues.Date == MissingValuePolicy.FillMean)
        {
            throw new ArgumentException("Missing-value policy fill_mean applies to numeric columns only.", nameof(options));
        }

        if (schema.Features.Any(f => f.Name == schema.LabelColumn))
        {
            throw new ArgumentException($"Schema lists the label '{schema.LabelColumn}' as a feature.", nameof(schema));
        }

        this.schema = schema;
        this.options = options;
        datePartNames = schema.Features
            .Where(f => f.Kind == FeatureKind.Date)
            .DistinctBy(f => f.Name, StringComparer.Ordinal)
            .ToDictionary(f => f.Name, f => new DatePartNames(f.Name), StringComparer.Ordinal);
        numericFeatureCount = schema.Features.Sum(f => f.Kind switch { FeatureKind.Numeric => 1, FeatureKind.Date => DatasetSchema.DatePartSuffixes.Count, _ => 0 });
        categoricalFeatureCount = schema.Features.Count(f => f.Kind == FeatureKind.Categorical);
    }

    public DatasetSchema Schema => schema;

    /// <summary>Processes a row read by <see cref="CsvRowStream"/>; a malformed row is rejected with the reader's reason.</summary>
    public RowProcessingResult Process(string datasetId, CsvRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Error is not null
            ? RowProcessingResult.Rejected(row.Error)
            : Process(datasetId, row.RowNumber, row.Values);
    }

    /// <summary>Processes raw values keyed by column name (absent key = missing value).</summary>
    public RowProcessingResult Process(string datasetId, long rowNumber, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var label = schema.LabelColumn;
        if (!values.TryGetValue(label, out var labelText) || string.IsNullOrWhiteSpace(labelText))
        {
            return RowProcessingResult.Rejected($"label '{label}' is missing");
        }

        // A label that is not a number is a class ("yes", "true", "churned"): kept as text for classification. Whether
        // the dataset is regression or classification is decided at training, over all its labels (TaskInference).
        var isNumber = ValueParsing.TryParseNumber(labelText, out var labelValue);
        var features = EngineerFeatures(values);
        return features.Features is { } engineered
            ? RowProcessingResult.Accepted(new ProcessedRow(
                datasetId, rowNumber, engineered.Numeric, engineered.Categorical, isNumber ? labelValue : 0, isNumber ? null : labelText.Trim()))
            : RowProcessingResult.Rejected(features.Error!);
    }

    /// <summary>
    /// Builds the features of one input without looking at the label; serving calls this so a
    /// prediction request is engineered exactly like a training row.
    /// </summary>
    public FeatureEngineeringResult EngineerFeatures(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var numeric = new Dictionary<string, double>(numericFeatureCount, StringComparer.Ordinal);
        var categorical = new Dictionary<string, string>(categoricalFeatureCount, StringComparer.Ordinal);
        // Only fill_mean needs the values seen; every other policy skips the list and its allocation per row.
        var observed = options.MissingValues.Numeric == MissingValuePolicy.FillMean ? new List<(string Column, double Value)>() : null;
        foreach (var feature in schema.Features)
        {
            values.TryGetValue(feature.Name, out var raw);
            var text = raw?.Trim() ?? string.Empty;
            var error = feature.Kind switch
            {
                FeatureKind.Numeric => AddNumeric(feature.Name, text, numeric, observed),
                FeatureKind.Categorical => AddCategorical(feature.Name, text, categorical),
                FeatureKind.Date => AddDate(feature.Name, text, numeric),
                _ => $"column '{feature.Name}' has unknown kind {feature.Kind}",
            };
            if (error is not null)
            {
                return new FeatureEngineeringResult(null, error);
            }
        }

        // Only a fully accepted row feeds the running means, so a rejected row cannot skew fills.
        RecordObserved(observed);
        return new FeatureEngineeringResult(new EngineeredFeatures(numeric, categorical), null);
    }

    private string? AddNumeric(string column, string text, Dictionary<string, double> numeric, List<(string, double)>? observed)
    {
        if (text.Length == 0)
        {
            switch (options.MissingValues.Numeric)
            {
                case MissingValuePolicy.FillDefault:
                    numeric[column] = 0;
                    return null;
                case MissingValuePolicy.FillMean:
                    numeric[column] = RunningMean(column);
                    return null;
                default:
                    return $"column '{column}' is missing";
            }
        }

        if (!ValueParsing.TryParseNumber(text, out var value))
        {
            return $"column '{column}' value '{text}' is not a number";
        }

        numeric[column] = value;
        observed?.Add((column, value));
        return null;
    }

    private string? AddCategorical(string column, string text, Dictionary<string, string> categorical)
    {
        if (text.Length == 0)
        {
            if (options.MissingValues.Categorical != MissingValuePolicy.FillDefault)
            {
                return $"column '{column}' is missing";
            }

            text = UnknownCategory;
        }

        categorical[column] = text;
        return null;
    }

    private string? AddDate(string column, string text, Dictionary<string, double> numeric)
    {
        double year = 0, month = 0, day = 0, dayOfWeek = 0;
        if (text.Length == 0)
        {
            if (options.MissingValues.Date != MissingValuePolicy.FillDefault)
            {
                return $"column '{column}' is missing";
            }
        }
        else if (ValueParsing.TryParseDate(text, options.DateFormats, out var date))
        {
            (year, month, day, dayOfWeek) = (date.Year, date.Month, date.Day, (double)date.DayOfWeek);
        }
        else
        {
            return $"column '{column}' value '{text}' is not a date";
        }

        var names = datePartNames[column];
        numeric[names.Year] = year;
        numeric[names.Month] = month;
        numeric[names.Day] = day;
        numeric[names.DayOfWeek] = dayOfWeek;
        return null;
    }

    private double RunningMean(string column)
    {
        lock (runningMeansLock)
        {
            return runningMeans.TryGetValue(column, out var stats) && stats.Count > 0 ? stats.Sum / stats.Count : 0;
        }
    }

    private void RecordObserved(List<(string Column, double Value)>? observed)
    {
        if (observed is null || observed.Count == 0)
        {
            return;
        }

        lock (runningMeansLock)
        {
            foreach (var (column, value) in observed)
            {
                runningMeans.TryGetValue(column, out var stats);
                runningMeans[column] = (stats.Sum + value, stats.Count + 1);
            }
        }
    }

    /// <summary>The engineered names of one date column's parts, in <see cref="DatasetSchema.DatePartSuffixes"/> order.</summary>
    private sealed class DatePartNames(string column)
    {
        public string Year { get; } = DatasetSchema.DatePartName(column, "year");

        public string Month { get; } = DatasetSchema.DatePartName(column, "month");

        public string Day { get; } = DatasetSchema.DatePartName(column, "day");

        public string DayOfWeek { get; } = DatasetSchema.DatePartName(column, "day_of_week");
    }
}
