namespace MlPipeline.Benchmarks.Soak;

/// <summary>
/// The operator's first day as one load (issue 22): predictions over Kafka and over HTTP (with a wait), a dashboard
/// polling <c>/api/status</c>, and CSV uploads for the served model, while <c>/health</c> and the broker are probed.
/// </summary>
public sealed record MixedLoadSettings
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Prediction requests produced straight to the requests topic per second.</summary>
    public int KafkaPerSecond { get; init; } = 300;

    /// <summary><c>POST /api/predict?wait_ms=…</c> calls per second.</summary>
    public int HttpPerSecond { get; init; } = 100;

    public int HttpWaitMs { get; init; } = 5000;

    public TimeSpan StatusEvery { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When the first upload starts, counted from the start of the load.</summary>
    public TimeSpan FirstUploadAt { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Time between uploads after the first; null uploads once.</summary>
    public TimeSpan? UploadEvery { get; init; }

    public int UploadRows { get; init; } = 20_000;

    /// <summary>Rows of the data set that trains the first model before the load starts.</summary>
    public int SeedRows { get; init; } = 2_000;

    /// <summary>How often <c>/health</c> and the broker (a metadata request) are probed, and how long each may take.</summary>
    public TimeSpan ProbeEvery { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ProbeDeadline { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the host's memory, handles and threads are sampled.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A 503 slower than this is not "at once".</summary>
    public TimeSpan FastRejection { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Extra YAML appended to the host's configuration (e.g. <c>serving:\n  load_shedding: false</c>).</summary>
    public string ExtraYaml { get; init; } = "";
}
