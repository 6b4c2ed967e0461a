using System.Collections.Concurrent;
using MlPipeline.Core.Contracts;

namespace MlPipeline.Core.Monitoring;

/// <summary>What monitoring knows about one model name, built from its MODEL_TRAINING events.</summary>
/// <param name="CurrentVersion">The version serving uses (last promoted); null before any promotion was seen.</param>
/// <param name="LastEvent">The most recent event kind (started, completed, failed, promoted).</param>
/// <param name="LastFailure">The reason of a failure not yet followed by a completed or promoted version.</param>
/// <param name="LatestCandidate">The last trained version compared with the then-current one (completed or promoted event carrying both metrics).</param>
public sealed record ModelStatus(
    string Model,
    int? CurrentVersion,
    RegressionMetricsSummary? CurrentMetrics,
    string LastEvent,
    DateTimeOffset LastEventAt,
    string? LastFailure,
    DateTimeOffset? LastFailureAt,
    ModelComparison? LatestCandidate);

/// <summary>A trained version's holdout metrics beside those of the version that was current when it was trained.</summary>
public sealed record ModelComparison(int? Version, RegressionMetricsSummary Metrics, int? PreviousVersion, RegressionMetricsSummary PreviousMetrics);

/// <summary>Folds MODEL_TRAINING events into one <see cref="ModelStatus"/> per model name. Thread-safe.</summary>
public sealed class ModelStatusTracker
{
    private readonly ConcurrentDictionary<string, ModelStatus> models = new(StringComparer.Ordinal);

    public IReadOnlyList<ModelStatus> Models => models.Values.OrderBy(status => status.Model, StringComparer.Ordinal).ToArray();

    public void Apply(ModelTrainingEvent trainingEvent, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(trainingEvent);
        models.AddOrUpdate(
            trainingEvent.Model,
            static (name, state) => Fold(new ModelStatus(name, null, null, "", state.at, null, null, null), state.trainingEvent, state.at),
            static (_, status, state) => Fold(status, state.trainingEvent, state.at),
            (trainingEvent, at));
    }

    private static ModelStatus Fold(ModelStatus status, ModelTrainingEvent e, DateTimeOffset at)
    {
        var next = status with { LastEvent = e.Event.ToString().ToLowerInvariant(), LastEventAt = at };
        switch (e.Event)
        {
            case ModelTrainingEventKind.Failed:
                return next with { LastFailure = e.Reason ?? "training failed", LastFailureAt = at };
            case ModelTrainingEventKind.Completed:
                return next with { LastFailure = null, LastFailureAt = null, LatestCandidate = Compare(e) ?? status.LatestCandidate };
            case ModelTrainingEventKind.Promoted:
                return next with
                {
                    CurrentVersion = e.Version ?? status.CurrentVersion,
                    CurrentMetrics = e.Metrics ?? status.CurrentMetrics,
                    LastFailure = null,
                    LastFailureAt = null,
                    LatestCandidate = Compare(e) ?? status.LatestCandidate,
                };
            default:
                return next;
        }
    }

    private static ModelComparison? Compare(ModelTrainingEvent e) =>
        e is { Metrics: { } metrics, PreviousMetrics: { } previous }
            ? new ModelComparison(e.Version, metrics, e.PreviousVersion, previous)
            : null;
}
