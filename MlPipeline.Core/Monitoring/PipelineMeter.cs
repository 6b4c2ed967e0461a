using System.Diagnostics.Metrics;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// The pipeline's one <see cref="Meter"/> ("MlPipeline"). Created through <see cref="IMeterFactory"/> so each host
/// (and each test host in one process) has its own instance: exporters select instruments by this instance, never
/// by name, so two hosts never mix their figures.
/// </summary>
public sealed class PipelineMeter
{
    public const string Name = "MlPipeline";

    public PipelineMeter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(Name);
    }

    public Meter Meter { get; }
}
