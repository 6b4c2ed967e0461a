using System.Runtime.CompilerServices;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// Streams one CSV onto RAW_DATA: infers the schema from the head of the file, sends a dataset-start marker, the
/// rows in chunks and a dataset-end marker with the row count. The file is read twice (head, then all rows) and
/// never held in memory. Up to <see cref="MaxInFlight"/> chunks are in flight at once; the job's checkpoint only
/// moves past rows whose chunk (and every earlier one) the broker acknowledged, so a resume never skips a row. It is
/// saved every few chunks and, on a graceful stop, once more after the chunks in flight settled, so a stop and
/// restart re-sends nothing the broker acknowledged (only a crash re-sends the chunks since the last checkpoint).
/// </summary>
public sealed class DatasetIngestor(CsvRowStream csv, DataSectionOptionsView options, IngestionJobStore jobs)
{
    /// <summary>Chunks sent before waiting for the oldest acknowledgement (ordering holds: idempotent producer, one key).</summary>
    public const int MaxInFlight = 32;

    /// <summary>Chunks between on-disk checkpoints.</summary>
    private const int CheckpointEveryChunks = 8;

    /// <summary>Runs (or resumes) <paramref name="job"/>; <paramref name="publish"/> returns once the broker acknowledged.</summary>
    public async Task<IngestionJob> RunAsync(
        IngestionJob job,
        Func<RawDataPayload, CancellationToken, Task> publish,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(publish);
        var processing = options.ProcessingFor(job.Label);
        var schema = await new SchemaInference(processing)
            .InferAsync(csv.ReadFileAsync(job.FilePath, cancellationToken), cancellationToken)
            .ConfigureAwait(false) with { Task = job.Task };

        var resumeAfter = job.RowsPublished;
        job = job with { State = IngestionState.Publishing, Error = null };
        await jobs.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        var fileName = Path.GetFileName(job.FilePath);
        await publish(new RawDataPayload(DatasetMessageKinds.DatasetStart, job.DatasetId, job.Model, schema, FileName: fileName), cancellationToken)
            .ConfigureAwait(false);

        var inFlight = new Queue<(Task Sent, long LastRow)>();
        long rowsRead = 0;
        var chunksSinceCheckpoint = 0;
        try
        {
            await foreach (var chunk in ChunksAsync(csv.ReadFileAsync(job.FilePath, cancellationToken), options.ChunkSize, cancellationToken).ConfigureAwait(false))
            {
                // The CSV reader only notices the token when it goes to the disk; a stop must not wait for that.
                cancellationToken.ThrowIfCancellationRequested();
                rowsRead = chunk[^1].RowNumber;
                var toSend = chunk.Where(row => row.RowNumber > resumeAfter).ToList();
                if (toSend.Count == 0)
                {
                    continue;
                }

                var payload = new RawDataPayload(DatasetMessageKinds.Rows, job.DatasetId, job.Model, schema, Rows: toSend);
                // Sent without the stop token: once librdkafka holds a message it may deliver it whatever the token says,
                // so a cancelled send would leave us not knowing whether the topic has these rows. Each send ends with
                // an acknowledgement or an error (bounded by message.timeout.ms), and a stop settles them below.
                inFlight.Enqueue((publish(payload, CancellationToken.None), rowsRead));
                job = job with { RowsRead = rowsRead };
                while (inFlight.Count >= MaxInFlight)
                {
                    job = await AcknowledgedAsync(job, inFlight.Dequeue()).ConfigureAwait(false);
                    if (++chunksSinceCheckpoint >= CheckpointEveryChunks)
                    {
                        chunksSinceCheckpoint = 0;
                        await jobs.SaveAsync(job, cancellationToken).ConfigureAwait(false);
                    }
                }

                jobs.Update(job);
            }

            while (inFlight.Count > 0)
            {
                job = await AcknowledgedAsync(job, inFlight.Dequeue()).ConfigureAwait(false);
            }

            job = job with { RowsRead = rowsRead, RowsPublished = rowsRead };
            await publish(new RawDataPayload(DatasetMessageKinds.DatasetEnd, job.DatasetId, job.Model, schema, RowCount: rowsRead), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A graceful stop: checkpoint exactly the rows the broker acknowledged, so the restart re-sends none of
            // them (the periodic checkpoint alone would re-send up to CheckpointEveryChunks + MaxInFlight chunks).
            job = await SettleAsync(job, inFlight).ConfigureAwait(false);
            await jobs.SaveAsync(job, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        job = job with { State = IngestionState.Published };
        await jobs.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>Groups CSV records into chunks of <paramref name="size"/> (the last may be shorter), as RAW_DATA rows.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<RawRow>> ChunksAsync(
        IAsyncEnumerable<CsvRow> rows,
        int size,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var chunk = new List<RawRow>(size);
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            chunk.Add(new RawRow(row.RowNumber, row.Values, row.Error));
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk = new List<RawRow>(size);
            }
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// Waits for every chunk still in flight and moves the checkpoint over the acknowledged ones, oldest first, up to
    /// the first that failed (a later chunk may have arrived, but the checkpoint must never skip a row).
    /// </summary>
    private static async Task<IngestionJob> SettleAsync(IngestionJob job, Queue<(Task Sent, long LastRow)> inFlight)
    {
        var unbroken = true;
        while (inFlight.TryDequeue(out var chunk))
        {
            await chunk.Sent.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // Reading Exception observes a failure; the stop is what is being reported, not this send.
            unbroken &= chunk.Sent.Exception is null && !chunk.Sent.IsCanceled;
            if (unbroken)
            {
                job = job with { RowsPublished = chunk.LastRow };
            }
        }

        return job;
    }

    private static async Task<IngestionJob> AcknowledgedAsync(IngestionJob job, (Task Sent, long LastRow) oldest)
    {
        await oldest.Sent.ConfigureAwait(false);
        return job with { RowsPublished = oldest.LastRow };
    }
}

/// <summary>What ingestion needs from the <c>data:</c> configuration (kept apart so Core/Data does not depend on Configuration).</summary>
public sealed record DataSectionOptionsView(int ChunkSize, Func<string, DataProcessingOptions> ProcessingFor);
