using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Training;

namespace MlPipeline.Core.Serving;

/// <summary>
/// The current version of every model name, as serving uses it. Requests lease the current version without locks
/// (one dictionary read and one interlocked increment); a promotion loads the new version off the request path and
/// swaps the dictionary entry, after which the old version is disposed once its last lease is returned. Models are
/// loaded only on start and on promotion, never per request.
/// </summary>
public sealed class ServingModelRegistry : IDisposable
{
    private readonly ModelStore store;
    private readonly ModelScorerOptions scorerOptions;
    private readonly ILogger<ServingModelRegistry> logger;
    private readonly ConcurrentDictionary<string, ServingModel> current = new(StringComparer.Ordinal);

    // Loads and swaps are rare and slow; one at a time keeps "load, then replace" free of lost updates.
    private readonly SemaphoreSlim swapLock = new(1, 1);

    public ServingModelRegistry(ModelStore store, ModelScorerOptions scorerOptions, ILogger<ServingModelRegistry> logger)
    {
        this.store = store;
        this.scorerOptions = scorerOptions;
        this.logger = logger;
    }

    /// <summary>Model name → version currently served.</summary>
    public IReadOnlyDictionary<string, int> Versions => current.ToDictionary(pair => pair.Key, pair => pair.Value.Version, StringComparer.Ordinal);

    /// <summary>True when a version of <paramref name="name"/> is loaded here (one dictionary read).</summary>
    public bool Serves(string name) => current.ContainsKey(name);

    /// <summary>Leases the current version of <paramref name="name"/>; false when none is loaded.</summary>
    public bool TryLease(string name, out ModelLease lease)
    {
        // A failed acquire means that version was retired between the read and the increment; by then the
        // dictionary already holds its successor, so reading again terminates.
        while (current.TryGetValue(name, out var model))
        {
            if (model.TryAcquire())
            {
                lease = new ModelLease(model);
                return true;
            }
        }

        lease = default;
        return false;
    }

    /// <summary>Loads the current version of every model in the store (start-up). A model that fails to load is logged and skipped.</summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken)
    {
        foreach (var name in store.ListModels())
        {
            try
            {
                await RefreshAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Could not load the current version of model {Model}; it is not served", name);
            }
        }
    }

    /// <summary>
    /// Serves the version the store's current pointer names, loading it if it is not the one served already. Reading
    /// the pointer (rather than trusting an event's version) makes replayed or reordered events harmless.
    /// </summary>
    /// <returns>The version served afterwards, or null when the model has no current version.</returns>
    public async Task<int?> RefreshAsync(string name, CancellationToken cancellationToken)
    {
        await swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pointer = await store.GetCurrentAsync(name, cancellationToken).ConfigureAwait(false);
            if (pointer is null)
            {
                return current.TryGetValue(name, out var existing) ? existing.Version : null;
            }

            if (current.TryGetValue(name, out var served) && served.Version == pointer.Version)
            {
                return served.Version;
            }

            var loaded = await store.LoadModelAsync(name, pointer.Version, cancellationToken).ConfigureAwait(false);
            var scorer = new ModelScorer(loaded, scorerOptions);

            // Off the request path: requests keep using the old version until the swap below.
            scorer.WarmUp(Math.Min(scorerOptions.MaxPooledEngines, Environment.ProcessorCount));
            Activate(scorer);
            return pointer.Version;
        }
        finally
        {
            swapLock.Release();
        }
    }

    /// <summary>Serves <paramref name="scorer"/> for its model name from now on; the registry owns it afterwards.</summary>
    public void Activate(ModelScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        var next = new ServingModel(scorer);
        ServingModel? previous = null;
        current.AddOrUpdate(next.Name, next, (_, old) =>
        {
            previous = old;
            return next;
        });
        logger.LogInformation(
            "Serving model {Model} version {Version} (was {Previous})", next.Name, next.Version, previous?.Version.ToString() ?? "none");

        // Drops the registry's reference only: requests still holding a lease finish on the old version.
        previous?.Release();
    }

    public void Dispose()
    {
        foreach (var name in current.Keys)
        {
            if (current.TryRemove(name, out var model))
            {
                model.Release();
            }
        }

        swapLock.Dispose();
    }
}
