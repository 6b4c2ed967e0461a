using System.Text;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Processing;

namespace MlPipeline.Benchmarks.Envelope;

/// <summary>
/// One RAW_DATA chunk and the PROCESSED_DATA chunk processing makes of it, built the way the pipeline builds them:
/// a generated sales CSV read by CsvRowStream, schema inferred, rows chunked like DatasetIngestor and cleaned by
/// RawChunkProcessor with the shipped data defaults. So the benchmark encodes what the topics really carry.
/// </summary>
public sealed record SalesChunkPayloads(RawDataPayload Raw, ProcessedDataPayload Processed)
{
    private const string DatasetId = "ds-0193a0b4-7c2e-7d11-9a3f-2f5e8c1b4d20";
    private const string Model = "sales";

    public static async Task<SalesChunkPayloads> CreateAsync(int rowsPerChunk, CancellationToken cancellationToken)
    {
        using var csv = new MemoryStream();
        await using (var writer = new StreamWriter(csv, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true))
        {
            SalesCsvGenerator.Write(writer, rowsPerChunk);
        }

        var data = new DataSectionOptions();
        var processing = data.ToProcessingOptions(data.LabelColumn);
        var reader = new CsvRowStream();
        csv.Position = 0;
        var schema = await new SchemaInference(processing).InferAsync(reader.ReadAsync(csv, cancellationToken), cancellationToken);
        csv.Position = 0;
        IReadOnlyList<RawRow>? rows = null;
        await foreach (var chunk in DatasetIngestor.ChunksAsync(reader.ReadAsync(csv, cancellationToken), rowsPerChunk, cancellationToken))
        {
            rows = chunk;
        }

        var raw = new RawDataPayload(DatasetMessageKinds.Rows, DatasetId, Model, schema, Rows: rows ?? []);
        var result = new RawChunkProcessor(_ => processing).Process(raw);
        var processed = new ProcessedDataPayload(
            DatasetMessageKinds.Rows, DatasetId, Model, schema, result.Accepted,
            result.Rejected.Select(r => new RowRejection(r.Row.RowNumber, r.Reason)).ToList());
        return new SalesChunkPayloads(raw, processed);
    }
}
