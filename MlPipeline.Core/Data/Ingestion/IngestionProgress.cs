using MlPipeline.Core.Training;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// What <c>GET /api/ingestions/{dataset_id}</c> reports: the ingestion's own counters and what downstream stored.
/// </summary>
/// <param name="RowsProcessed">Rows processing accepted and training stored.</param>
/// <param name="RowsRejected">Rows processing refused (each one is on the dead-letter topic with its reason).</param>
/// <param name="ExpectedRows">The end marker's row count, once training has seen it.</param>
/// <param name="Training">pending | done, once the dataset is complete.</param>
public sealed record IngestionProgress(
    string DatasetId,
    IngestionState State,
    string? Model,
    string? FileName,
    long RowsRead,
    long RowsPublished,
    long RowsProcessed,
    long RowsRejected,
    long? ExpectedRows,
    string? Training,
    string? Error)
{
    /// <summary>
    /// Combines the ingestion's record (null after the record was lost or for data produced by another host) with
    /// the training store's progress. Failure wins; then downstream progress (complete, or rows arriving); then
    /// the ingestion's own state.
    /// </summary>
    public static IngestionProgress? Derive(string datasetId, IngestionJob? job, DatasetProgress stored, string? training)
    {
        var seenDownstream = stored.AcceptedRows + stored.RejectedRows > 0 || stored.ExpectedRows is not null;
        if (job is null && !seenDownstream)
        {
            return null;
        }

        var state = job?.State == IngestionState.Failed ? IngestionState.Failed
            : stored.IsComplete ? IngestionState.Completed
            : seenDownstream ? IngestionState.Processing
            : job!.State;
        return new IngestionProgress(
            datasetId,
            state,
            job?.Model,
            job is null ? null : Path.GetFileName(job.FilePath),
            job?.RowsRead ?? stored.ExpectedRows ?? 0,
            job?.RowsPublished ?? stored.ExpectedRows ?? 0,
            stored.AcceptedRows,
            stored.RejectedRows,
            stored.ExpectedRows,
            training,
            job?.Error);
    }
}
