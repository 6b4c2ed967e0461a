using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Data.Ingestion;

/// <summary>
/// Ingests a CSV from outside the service (the command line's <c>ingest</c>): the same job record,
/// <see cref="DatasetIngestor"/> and RAW_DATA envelopes as the ingestion stage, published by the caller's producer;
/// the running service's processing and training stages take it from there. The job record lives in a directory
/// of the caller's choosing: this run is not resumed by anyone, the record only carries the ingestor's checkpoints.
/// </summary>
public sealed class DirectIngestion(DataSectionOptionsView options, string jobDirectory, TimeProvider timeProvider)
{
    public const string Source = "cli";

    /// <summary>Where the job record is kept while the run lasts.</summary>
    public string JobDirectory => jobDirectory;

    /// <summary>Fires once the dataset id is known, before the first row is read (so a caller can report or watch it).</summary>
    public event Action<IngestionJob>? Accepted;

    /// <summary>Publishes <paramref name="csvPath"/> as a new dataset; <paramref name="send"/> returns once the broker acknowledged.</summary>
    public async Task<IngestionJob> RunAsync(
        string csvPath,
        string model,
        string label,
        Func<KafkaMessage, string, CancellationToken, Task> send,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var jobs = new IngestionJobStore(jobDirectory);
        var service = new IngestionService(jobs, timeProvider, queueCapacity: 1);
        var job = await service.SubmitAsync(Path.GetFullPath(csvPath), model, label, datasetId: null, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The ingestion could not be recorded.");
        Accepted?.Invoke(job);
        var factory = new KafkaMessageFactory(timeProvider);
        var ingestor = new DatasetIngestor(new CsvRowStream(), options, jobs);
        return await ingestor.RunAsync(
            job,
            (payload, token) => send(RawDataMessages.Create(factory, job, payload, Source), payload.DatasetId, token),
            cancellationToken).ConfigureAwait(false);
    }
}
