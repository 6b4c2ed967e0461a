using MlPipeline.Core.Training;

namespace MlPipeline.Core.Serving;

/// <summary>
/// One loaded model version as serving holds it: a <see cref="ModelScorer"/> with a reference count. The registry
/// owns one reference while the version is current; each request holds one through a <see cref="ModelLease"/>. The
/// scorer is disposed when the last reference goes, so a hot swap never disposes engines a request is still using.
/// </summary>
internal sealed class ServingModel
{
    // Starts at 1: the registry's own reference, released when the version is replaced.
    private int references = 1;

    public ServingModel(ModelScorer scorer) => Scorer = scorer;

    public ModelScorer Scorer { get; }

    public string Name => Scorer.Model.Metadata.Name;

    public int Version => Scorer.Model.Metadata.Version;

    /// <summary>False once the count reached zero: the version was retired and disposed, so the caller must re-read the current one.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref references) == 0)
        {
            Scorer.Dispose();
        }
    }
}

/// <summary>A request's hold on one model version; dispose it as soon as scoring is done.</summary>
public readonly struct ModelLease : IDisposable
{
    private readonly ServingModel? model;

    internal ModelLease(ServingModel model) => this.model = model;

    public ModelScorer Scorer => model?.Scorer ?? throw new InvalidOperationException("An empty lease holds no model.");

    public int Version => model?.Version ?? throw new InvalidOperationException("An empty lease holds no model.");

    public void Dispose() => model?.Release();
}
