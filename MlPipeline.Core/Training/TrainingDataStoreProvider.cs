namespace MlPipeline.Core.Training;

/// <summary>
/// Opens the process's one <see cref="TrainingDataStore"/> on first use (opening reads every dataset file, so it is
/// async and must not run inside a DI factory) and disposes it with the container.
/// </summary>
public sealed class TrainingDataStoreProvider(TrainingDataStoreOptions options) : IAsyncDisposable
{
    private readonly Lazy<Task<TrainingDataStore>> store = new(() => TrainingDataStore.OpenAsync(options, CancellationToken.None));

    /// <summary>What the store is opened with (directory, fsync, rows per write batch).</summary>
    public TrainingDataStoreOptions Options => options;

    public Task<TrainingDataStore> GetAsync(CancellationToken cancellationToken) => store.Value.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (store.IsValueCreated && store.Value.IsCompletedSuccessfully)
        {
            await (await store.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
    }
}
