namespace MlPipeline.Host.Hosting;

/// <summary>When this host was built, for uptime in <c>/api/status</c>.</summary>
internal sealed record ServiceClock(DateTimeOffset StartedAt);
