namespace MlPipeline.Core.Contracts;

/// <summary>How urgent an alert is; spelled info | warning | critical in the configuration and on the wire.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}
