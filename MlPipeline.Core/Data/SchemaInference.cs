namespace MlPipeline.Core.Data;

/// <summary>
/// Decides a <see cref="DatasetSchema"/> from a header and a sample of rows. Leaves out: the label,
/// the index column, configured exclusions, text columns unique on every row (ids), integer columns
/// that just count rows, and any numeric column equal to the label on every sampled row (a label
/// copy would leak the answer into the features — the original pipeline's R² = 1.0000).
/// </summary>
public sealed class SchemaInference(DataProcessingOptions options)
{
    /// <summary>Reads up to <see cref="DataProcessingOptions.SchemaSampleRows"/> well-formed rows and infers from them.</summary>
    public async Task<DatasetSchema> InferAsync(IAsyncEnumerable<CsvRow> rows, CancellationToken cancellationToken)
    {
        CsvHeader? header = null;
        var sample = new List<IReadOnlyDictionary<string, string>>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            header ??= row.Header;
            if (row.IsWellFormed)
            {
                sample.Add(row.Values);
            }

            if (sample.Count >= options.SchemaSampleRows)
            {
                break;
            }
        }

        if (header is null)
        {
            throw new InvalidOperationException("Cannot infer a schema: the CSV has no data rows.");
        }

        return Infer(header, sample);
    }

    /// <summary>Infers the schema from a header and sampled rows (column name → raw text).</summary>
    public DatasetSchema Infer(CsvHeader header, IReadOnlyList<IReadOnlyDictionary<string, string>> sample)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(sample);
        var label = options.LabelColumn;
        if (!header.Columns.Contains(label, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"Label column '{label}' is not in the header; columns are: {string.Join(", ", header.Columns.Select(c => $"'{c}'"))}.");
        }

        var inferring = options.FeatureColumns is null;
        if (!inferring)
        {
            var unknown = options.FeatureColumns!.Where(c => !header.Columns.Contains(c, StringComparer.Ordinal)).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidOperationException($"Feature column(s) {string.Join(", ", unknown.Select(c => $"'{c}'"))} are not in the header.");
            }
        }

        var features = new List<FeatureColumn>();
        var excluded = new List<ExcludedColumn>();
        foreach (var column in options.FeatureColumns ?? header.Columns)
        {
            var reason = ExclusionReason(column, header, sample, inferring, out var kind);
            if (reason is null)
            {
                features.Add(new FeatureColumn(column, kind));
            }
            else
            {
                excluded.Add(new ExcludedColumn(column, reason));
            }
        }

        if (features.Count == 0)
        {
            throw new InvalidOperationException(
                $"No feature columns left; excluded: {string.Join("; ", excluded.Select(e => $"'{e.Name}' ({e.Reason})"))}.");
        }

        return new DatasetSchema(label, features, excluded);
    }

    private string? ExclusionReason(
        string column,
        CsvHeader header,
        IReadOnlyList<IReadOnlyDictionary<string, string>> sample,
        bool inferring,
        out FeatureKind kind)
    {
        kind = FeatureKind.Categorical;
        if (column == options.LabelColumn)
        {
            return "label column";
        }

        if (column == header.IndexColumn)
        {
            return "index column";
        }

        if (options.ExcludedColumns.Contains(column, StringComparer.Ordinal))
        {
            return "excluded by configuration";
        }

        var values = sample
            .Select(row => row.TryGetValue(column, out var value) ? value.Trim() : string.Empty)
            .Where(value => value.Length > 0)
            .ToList();
        if (options.ColumnKinds.TryGetValue(column, out var forced))
        {
            kind = forced;
        }
        else if (values.Count == 0)
        {
            return "no values in the sample";
        }
        else
        {
            kind = InferKind(values);
        }

        if (kind is FeatureKind.Numeric or FeatureKind.Categorical && EqualsLabelOnEveryRow(column, kind, sample))
        {
            return "equal to the label on every sampled row (label leak)";
        }

        if (!inferring)
        {
            return null;
        }

        var distinctEverywhere = values.Count >= options.IdLikeMinimumSample
            && values.Count == sample.Count
            && values.Distinct(StringComparer.Ordinal).Count() == values.Count;
        if (distinctEverywhere && kind == FeatureKind.Categorical)
        {
            return "unique on every sampled row (id-like)";
        }

        if (distinctEverywhere && kind == FeatureKind.Numeric && IsRowCounter(values))
        {
            return "consecutive integers (row counter)";
        }

        return null;
    }

    private FeatureKind InferKind(List<string> values)
    {
        if (values.All(v => ValueParsing.TryParseNumber(v, out _)))
        {
            return FeatureKind.Numeric;
        }

        return values.All(v => ValueParsing.TryParseDate(v, options.DateFormats, out _))
            ? FeatureKind.Date
            : FeatureKind.Categorical;
    }

    /// <summary>
    /// True when the column repeats the label on every sampled row where both are present: as numbers for a numeric
    /// column, as trimmed text for a categorical one (a copy of a class label such as "yes"/"no").
    /// </summary>
    private bool EqualsLabelOnEveryRow(string column, FeatureKind kind, IReadOnlyList<IReadOnlyDictionary<string, string>> sample)
    {
        var compared = 0;
        foreach (var row in sample)
        {
            if (!row.TryGetValue(column, out var text) || !row.TryGetValue(options.LabelColumn, out var labelText))
            {
                continue;
            }

            bool equal;
            if (kind == FeatureKind.Categorical)
            {
                if (text.Trim().Length == 0 || labelText.Trim().Length == 0)
                {
                    continue;
                }

                equal = string.Equals(text.Trim(), labelText.Trim(), StringComparison.Ordinal);
            }
            else if (ValueParsing.TryParseNumber(text, out var value) && ValueParsing.TryParseNumber(labelText, out var label))
            {
                equal = value == label;
            }
            else
            {
                continue;
            }

            if (!equal)
            {
                return false;
            }

            compared++;
        }

        return compared > 0;
    }

    private static bool IsRowCounter(List<string> values)
    {
        var numbers = values.Select(v => ValueParsing.TryParseNumber(v, out var n) ? n : double.NaN).ToList();
        return numbers.All(n => n == Math.Floor(n))
            && numbers.Zip(numbers.Skip(1), (a, b) => b - a).All(step => step == 1);
    }
}
