namespace MlPipeline.Core.Configuration;

/// <summary>The <c>service:</c> section (ours): how the host behaves as a long-running service (systemd, Windows
/// service, container).</summary>
public sealed class ServiceOptions
{
    /// <summary>
    /// Seconds the host gives its hosted services to drain in-flight work and commit offsets after a stop request
    /// (SIGTERM, Ctrl+C, service stop) before it gives up on them (<c>HostOptions.ShutdownTimeout</c>).
    /// scripts/install-systemd.sh sets the unit's TimeoutStopSec a little above it, so the service manager never
    /// kills a host that is still draining. <value>Default 30 (the Generic Host's own default).</value>
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}
