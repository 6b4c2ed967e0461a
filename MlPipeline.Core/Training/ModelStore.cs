using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MlPipeline.Core.Data;
using MlPipeline.Core.Storage;

namespace MlPipeline.Core.Training;

/// <summary>A model read back from the store.</summary>
public sealed record LoadedModel(ITransformer Model, DataViewSchema InputSchema, ModelMetadata Metadata)
{
    public DatasetSchema Schema => Metadata.Training.Schema;
}

/// <summary>
/// Versioned models on disk: <c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/{model.zip, metadata.json}</c> and a
/// <c>&lt;root&gt;/&lt;name&gt;/current.json</c> pointer. Versions are integers that only grow and are never
/// overwritten: a version is written into a temp directory and renamed into place, and a rename onto
/// an existing version fails (another writer got there first), so the save retries with the next
/// number. The pointer is replaced by an atomic file rename, so a reader sees the old or the new
/// pointer, never half of one. Retention keeps the newest <see cref="ModelStoreOptions.KeepVersions"/>
/// plus the current version.
/// </summary>
public sealed partial class ModelStore
{
    private const string ModelFile = "model.zip";
    private const string MetadataFile = "metadata.json";
    private const string CurrentFile = "current.json";

    private readonly ModelStoreOptions options;
    private readonly TimeProvider timeProvider;
    private readonly string root;

    // Serializes this process's writers; other processes are kept apart by the rename rules above.
    private readonly SemaphoreSlim writeLock = new(1, 1);

    public ModelStore(ModelStoreOptions options, TimeProvider timeProvider)
    {
        this.options = options;
        this.timeProvider = timeProvider;
        root = Path.GetFullPath(options.RootDirectory);
        Directory.CreateDirectory(root);
    }

    /// <summary>Stores <paramref name="model"/> as the next version of <paramref name="name"/>; does not promote it.</summary>
    public async Task<ModelMetadata> SaveNewVersionAsync(string name, TrainedModel model, CancellationToken cancellationToken)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(model);
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var modelDirectory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            var temp = Path.Combine(modelDirectory, $".tmp-{Guid.NewGuid():N}");
            Directory.CreateDirectory(temp);
            try
            {
                await WriteFileAsync(Path.Combine(temp, ModelFile), stream => new MLContext().Model.Save(model.Model, model.InputSchema, stream), cancellationToken).ConfigureAwait(false);
                for (var version = ListVersions(name).DefaultIfEmpty(0).Max() + 1; ; version++)
                {
                    var metadata = new ModelMetadata(name, version, timeProvider.GetUtcNow(), model.Report);
                    await WriteJsonAsync(Path.Combine(temp, MetadataFile), metadata, cancellationToken).ConfigureAwait(false);
                    var destination = VersionDirectory(name, version);
                    if (TryMoveDirectory(temp, destination))
                    {
                        await ApplyRetentionAsync(name, cancellationToken).ConfigureAwait(false);
                        return metadata;
                    }
                }
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The names that have at least one directory in the store.</summary>
    public IReadOnlyList<string> ListModels() =>
        Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => ValidName().IsMatch(n))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The stored versions of <paramref name="name"/>, ascending.</summary>
    public IReadOnlyList<int> ListVersions(string name)
    {
        ValidateName(name);
        var directory = Path.Combine(root, name);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateDirectories(directory)
            .Select(Path.GetFileName)
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0)
            .Where(v => v > 0)
            .Order()
            .ToList();
    }

    public async Task<ModelMetadata?> GetMetadataAsync(string name, int version, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var path = Path.Combine(VersionDirectory(name, version), MetadataFile);
        return File.Exists(path) ? await ReadJsonAsync<ModelMetadata>(path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The current pointer of <paramref name="name"/>, or null when nothing was promoted yet.</summary>
    public async Task<CurrentModelPointer?> GetCurrentAsync(string name, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var path = Path.Combine(root, name, CurrentFile);
        return File.Exists(path) ? await ReadJsonAsync<CurrentModelPointer>(path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Metadata of the current version, or null when nothing was promoted yet.</summary>
    public async Task<ModelMetadata?> GetCurrentMetadataAsync(string name, CancellationToken cancellationToken)
    {
        var current = await GetCurrentAsync(name, cancellationToken).ConfigureAwait(false);
        return current is null ? null : await GetMetadataAsync(name, current.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="version"/> the current one; the pointer file is replaced atomically.</summary>
    public async Task<CurrentModelPointer> PromoteAsync(string name, int version, CancellationToken cancellationToken)
    {
        ValidateName(name);
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(Path.Combine(VersionDirectory(name, version), MetadataFile)))
            {
                throw new InvalidOperationException($"Model '{name}' has no version {version}.");
            }

            var pointer = new CurrentModelPointer(name, version, timeProvider.GetUtcNow());
            // Readers never see a partial pointer, and a promotion that returned survives a power cut.
            await AtomicFile.WriteAsync(
                    Path.Combine(root, name, CurrentFile),
                    (stream, token) => JsonSerializer.SerializeAsync(stream, pointer, ModelStoreJson.Options, token),
                    cancellationToken)
                .ConfigureAwait(false);
            return pointer;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Loads a stored version. The returned transformer is immutable and safe to share across threads.</summary>
    public async Task<LoadedModel> LoadModelAsync(string name, int version, CancellationToken cancellationToken)
    {
        var metadata = await GetMetadataAsync(name, version, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Model '{name}' has no version {version}.");
        var mlContext = new MLContext(metadata.Training.TrainingOptions.Seed);
        await using var stream = File.OpenRead(Path.Combine(VersionDirectory(name, version), ModelFile));
        var model = mlContext.Model.Load(stream, out var inputSchema);
        return new LoadedModel(model, inputSchema, metadata);
    }

    private async Task ApplyRetentionAsync(string name, CancellationToken cancellationToken)
    {
        var current = await GetCurrentAsync(name, cancellationToken).ConfigureAwait(false);
        var doomed = ListVersions(name)
            .OrderDescending()
            .Skip(options.KeepVersions)
            .Where(v => v != current?.Version);
        foreach (var version in doomed)
        {
            // Rename out of the version namespace first, so a half-deleted directory never lists as a version.
            var trash = Path.Combine(root, name, $".trash-{Guid.NewGuid():N}");
            Directory.Move(VersionDirectory(name, version), trash);
            Directory.Delete(trash, recursive: true);
        }
    }

    private string VersionDirectory(string name, int version) =>
        Path.Combine(root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static bool TryMoveDirectory(string source, string destination)
    {
        if (Directory.Exists(destination))
        {
            return false;
        }

        try
        {
            Directory.Move(source, destination);
            return true;
        }
        catch (IOException) when (Directory.Exists(destination))
        {
            // Another process took this version number between our check and the rename.
            return false;
        }
    }

    private static async Task WriteFileAsync(string path, Action<Stream> write, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        cancellationToken.ThrowIfCancellationRequested();
        // Durable before the rename publishes it: a crash must not leave a version with an empty zip.
        stream.Flush(flushToDisk: true);
    }

    private static async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        await JsonSerializer.SerializeAsync(stream, value, ModelStoreJson.Options, cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
    }

    private static async Task<T> ReadJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<T>(stream, ModelStoreJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"'{path}' holds null.");
    }

    /// <summary>True when <paramref name="name"/> can name a model (letters, digits, '.', '_', '-'; not starting with '.').</summary>
    public static bool IsValidName(string? name) => !string.IsNullOrWhiteSpace(name) && ValidName().IsMatch(name);

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!ValidName().IsMatch(name))
        {
            throw new ArgumentException($"Model name '{name}' must be letters, digits, '.', '_' or '-', not starting with '.'.", nameof(name));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*$")]
    private static partial Regex ValidName();
}
