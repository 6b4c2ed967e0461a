namespace MlPipeline.Core.Data;

/// <summary>How <see cref="CsvRowStream"/> reads a file.</summary>
public sealed record CsvStreamOptions
{
    /// <summary>The field separator.</summary>
    /// <value>Defaults to <c>,</c>. Fixed rather than detected so a file with few commas is not misread.</value>
    public char Separator { get; init; } = ',';

    /// <summary>The name given to an unnamed first column (a pandas index).</summary>
    /// <value>Defaults to <c>index</c>.</value>
    public string IndexColumnName { get; init; } = "index";

    /// <summary>The largest record, in bytes, the reader buffers; guards against an unclosed quote swallowing a huge file.</summary>
    /// <value>Defaults to 1 MiB.</value>
    public int MaxRecordBytes { get; init; } = 1 << 20;
}
