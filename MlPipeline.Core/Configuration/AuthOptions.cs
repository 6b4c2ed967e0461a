namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>auth:</c> section (ours): who may call the HTTP API. With no key configured (here or in
/// <c>MLPIPELINE_API_KEYS</c>) the API is open, which start-up allows only on a loopback address unless
/// <see cref="AllowAnonymous"/> says so; with at least one key every API call needs one.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>
    /// Lets the host start on a non-loopback address with no API key configured (every caller may then do
    /// everything). <value>Default false: such a start stops with exit code 2 and says how to add a key.</value>
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The keys the API accepts, each with a name (logged, shown in history), a role and the SHA-256 of the
    /// key (never the key itself). <value>Default none.</value> <c>MLPIPELINE_API_KEYS</c> adds more.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set => field = value ?? []; } = [];
}

/// <summary>One configured API key: <c>{ name: ci, role: admin, sha256: 64 hex digits }</c>.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key; appears in logs and promotion history instead of the key.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>predict</c> or <c>admin</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>Lower- or upper-case hex SHA-256 of the key's UTF-8 bytes (<c>MlPipeline.Host keys create</c> prints it).</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>The <c>rate_limits:</c> section (ours): per-caller request budgets of the HTTP API.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Turns the limits on. <value>Default true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second each caller (API key, or client address when anonymous) may make to predict and
    /// read endpoints. <value>Default 200.</value></summary>
    public int PredictPerSecond { get; set; } = 200;

    /// <summary>Requests a caller may make at once above <see cref="PredictPerSecond"/> before 429. <value>Default 400.</value></summary>
    public int PredictBurst { get; set; } = 400;

    /// <summary>Admin calls (ingest, upload, train, promote) per minute each caller may make. <value>Default 60.</value></summary>
    public int AdminPerMinute { get; set; } = 60;
}
