using MlPipeline.Core.Data;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>data:</c> section: where ingestible files live, how a CSV is streamed onto Kafka and how rows become
/// features. Lists are comma-separated strings because configuration values are scalars (see ConfigKeySchema).
/// <see cref="ToProcessingOptions"/> maps it onto <see cref="DataProcessingOptions"/>, which the logic uses.
/// </summary>
public sealed class DataSectionOptions
{
    /// <summary>The only folder <c>POST /api/ingest</c> may read from. <value>Default <c>data</c>.</value></summary>
    public string DataDir { get; set; } = "data";

    /// <summary>Where uploaded CSVs are written, relative to <see cref="DataDir"/>. <value>Default <c>uploads</c>.</value></summary>
    public string UploadsDir { get; set; } = "uploads";

    /// <summary>Largest upload to <c>POST /api/ingest/upload</c>, bytes; a larger one answers 413 and leaves no file.
    /// <value>Default 1073741824 (1 GiB).</value></summary>
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>Keeps uploaded CSVs after their ingestion ended. <value>Default false: an upload is deleted once its
    /// rows are published (or its ingestion failed), so uploads cannot fill the disk.</value></summary>
    public bool KeepUploads { get; set; }

    /// <summary>The label column when a request names none. <value>Default <c>Total Amount</c>.</value></summary>
    public string LabelColumn { get; set; } = "Total Amount";

    /// <summary>Comma-separated feature columns; empty infers them from the header and values. <value>Default empty.</value></summary>
    public string FeatureColumns { get; set; } = "";

    /// <summary>Comma-separated columns never used as features. <value>Default empty.</value></summary>
    public string ExcludedColumns { get; set; } = "";

    /// <summary>Empty numeric value: reject | fill_default | fill_mean. <value>Default reject.</value></summary>
    public MissingValuePolicy MissingNumeric { get; set; } = MissingValuePolicy.Reject;

    /// <summary>Empty categorical value: reject | fill_default. <value>Default fill_default ("unknown").</value></summary>
    public MissingValuePolicy MissingCategorical { get; set; } = MissingValuePolicy.FillDefault;

    /// <summary>Empty date value: reject | fill_default. <value>Default reject.</value></summary>
    public MissingValuePolicy MissingDate { get; set; } = MissingValuePolicy.Reject;

    /// <summary>CSV rows per RAW_DATA message (1 = one message per row). <value>Default 100.</value></summary>
    public int ChunkSize { get; set; } = 100;

    /// <summary>Rows schema inference reads from the head of the file. <value>Default 500.</value></summary>
    public int SchemaSampleRows { get; set; } = 500;

    /// <summary>Ingestions that may wait for the background worker before the API answers 503. <value>Default 16.</value></summary>
    public int IngestionQueueCapacity { get; set; } = 16;

    /// <summary>On a start with an empty model store and no ingestion ever made, ingest <see cref="SampleFile"/>. <value>Default true.</value></summary>
    public bool IngestSampleOnFirstStart { get; set; } = true;

    /// <summary>The sample ingested on first start, relative to <see cref="DataDir"/>. <value>Default <c>Sales Dataset.csv</c>.</value></summary>
    public string SampleFile { get; set; } = "Sales Dataset.csv";

    /// <summary>The processing options with the label of one dataset (the request's, or <see cref="LabelColumn"/>).</summary>
    public DataProcessingOptions ToProcessingOptions(string? label = null) => new()
    {
        LabelColumn = string.IsNullOrWhiteSpace(label) ? LabelColumn : label,
        FeatureColumns = SplitList(FeatureColumns) is { Count: > 0 } features ? features : null,
        ExcludedColumns = SplitList(ExcludedColumns),
        MissingValues = new MissingValuePolicies { Numeric = MissingNumeric, Categorical = MissingCategorical, Date = MissingDate },
        SchemaSampleRows = SchemaSampleRows,
    };

    public static IReadOnlyList<string> SplitList(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
