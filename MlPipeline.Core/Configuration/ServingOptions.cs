namespace MlPipeline.Core.Configuration;

/// <summary>The <c>serving:</c> section: prediction serving over Kafka and HTTP.</summary>
public sealed class ServingOptions
{
    /// <summary>Model name used when a request names none. <value>Default <c>sales</c>.</value></summary>
    public string DefaultModel { get; set; } = "sales";

    /// <summary>Results (and pending requests) the HTTP API keeps for <c>GET /api/prediction/{id}</c>; the oldest are
    /// forgotten first. <value>Default 10000.</value></summary>
    public int ResultsCacheSize { get; set; } = 10_000;

    /// <summary>Seconds a request id is remembered after it was issued. <value>Default 300.</value></summary>
    public int ResultsTtlSeconds { get; set; } = 300;

    /// <summary>Upper bound of <c>?wait_ms=</c>; larger values are clamped. <value>Default 30000.</value></summary>
    public int MaxWaitMs { get; set; } = 30_000;

    /// <summary>Largest accepted HTTP request body, bytes. <value>Default 1048576 (1 MiB).</value></summary>
    public int MaxRequestBytes { get; set; } = 1_048_576;

    /// <summary>Most feature sets in one <c>POST /api/predict/batch</c>. <value>Default 1000.</value></summary>
    public int MaxBatchRequests { get; set; } = 1_000;

    /// <summary>How far the serving stage works ahead: requests fetched before they are handled, and results on their
    /// way to Kafka (produced, not yet acknowledged) before it waits for acknowledgements. Requests are so answered as a
    /// stream of batches, not one round trip each. <value>Default 1000.</value></summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>ML.NET prediction engines kept per loaded model (they are not thread-safe, so each concurrent scorer
    /// takes one). <value>Default 8.</value></summary>
    public int EnginePoolSize { get; set; } = 8;

    /// <summary>Refuse HTTP predictions beyond <see cref="MaxWaitingHttpPredictions"/> with 503 and Retry-After at once.
    /// false turns the bound off (callers then pile up while the service is slow). <value>Default true.</value></summary>
    public bool LoadShedding { get; set; } = true;

    /// <summary>HTTP prediction calls (<c>/api/predict</c>, <c>/api/predict/batch</c>) inside this node at once, sending
    /// or waiting for their result; one more is refused. <value>Default 256.</value></summary>
    public int MaxWaitingHttpPredictions { get; set; } = 256;
}
