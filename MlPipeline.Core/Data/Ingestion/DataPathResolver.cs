namespace MlPipeline.Core.Data.Ingestion;

/// <summary>Why a requested path was not usable.</summary>
public enum DataPathProblem
{
    None,

    /// <summary>The path leaves the data folder (traversal, absolute elsewhere, a link out) or is malformed: HTTP 400.</summary>
    OutsideDataFolder,

    /// <summary>The path is inside the data folder but no file is there: HTTP 404.</summary>
    NotFound,
}

/// <summary>The outcome of <see cref="DataPathResolver.Resolve"/>: the real path of the file, or the problem and a message for the caller.</summary>
public sealed record DataPathResolution(string? FullPath, DataPathProblem Problem, string? Message)
{
    public bool Succeeded => Problem == DataPathProblem.None;
}

/// <summary>
/// Turns a caller-supplied path into a file inside the configured data folder, or refuses it. The original API
/// read any file on the server; here the check runs on the REAL path (every symbolic link along it resolved),
/// so neither <c>..</c>, an absolute path elsewhere, a percent-encoded traversal nor a link pointing out gets
/// through. A relative path is tried against the data folder (<c>sales.csv</c>) and then against the working
/// directory (<c>data/sales.csv</c>, as in the original guide).
/// </summary>
public sealed class DataPathResolver
{
    private readonly string dataRoot;
    private readonly string workingDirectory;

    // Folders below the data folder that hold the service's own state (broker log, training store, models, other
    // callers' uploads), by real path: never ingestible, even though they sit under data/ by default.
    private readonly string[] excluded;

    /// <param name="excludedDirectories">Folders inside the data folder whose files are refused (relative paths resolve
    /// against the working directory, like the configuration's).</param>
    public DataPathResolver(string dataDirectory, string? workingDirectory = null, IEnumerable<string>? excludedDirectories = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        this.workingDirectory = Path.GetFullPath(workingDirectory ?? Directory.GetCurrentDirectory());
        var full = Path.GetFullPath(dataDirectory, this.workingDirectory);
        Directory.CreateDirectory(full);
        dataRoot = RealPath(full);
        excluded = (excludedDirectories ?? [])
            .Select(directory => RealPath(Path.GetFullPath(directory, this.workingDirectory)))
            .Where(directory => directory != dataRoot && IsInside(directory))
            .ToArray();
    }

    /// <summary>The data folder's real path (links resolved).</summary>
    public string DataRoot => dataRoot;

    public DataPathResolution Resolve(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return Refused("file_path is required");
        }

        if (requested.Contains('\0', StringComparison.Ordinal))
        {
            return Refused("file_path contains a NUL character");
        }

        // A client that percent-encodes "../" expects some layer to decode it; refuse whatever the decoded form escapes to.
        if (requested.Contains('%', StringComparison.Ordinal))
        {
            var decoded = Uri.UnescapeDataString(requested);
            if (decoded != requested && Resolve(decoded) is { Problem: DataPathProblem.OutsideDataFolder })
            {
                return Refused($"file_path '{requested}' decodes to a path outside the data folder");
            }
        }

        var candidates = Path.IsPathRooted(requested)
            ? [Path.GetFullPath(requested)]
            : new[] { Path.GetFullPath(requested, dataRoot), Path.GetFullPath(requested, workingDirectory) };
        string? insideButMissing = null;
        foreach (var candidate in candidates)
        {
            var real = RealPath(candidate);
            if (!IsInside(real))
            {
                continue;
            }

            if (excluded.Any(directory => IsBelow(directory, real)))
            {
                return Refused($"file_path '{requested}' is inside the service's own state (broker log, training store, models or uploads), which cannot be ingested");
            }

            if (File.Exists(real))
            {
                return new DataPathResolution(real, DataPathProblem.None, null);
            }

            insideButMissing ??= candidate;
        }

        return insideButMissing is not null
            ? new DataPathResolution(null, DataPathProblem.NotFound, $"file '{requested}' was not found in the data folder")
            : Refused($"file_path '{requested}' is outside the data folder; only files under the configured data folder can be ingested");
    }

    /// <summary>True when <paramref name="realPath"/> is the data folder or below it.</summary>
    public bool IsInside(string realPath) => IsBelow(dataRoot, realPath);

    private static bool IsBelow(string directory, string realPath)
    {
        var relative = Path.GetRelativePath(directory, realPath);
        return relative != ".."
            && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            && !Path.IsPathRooted(relative);
    }

    private static DataPathResolution Refused(string message) => new(null, DataPathProblem.OutsideDataFolder, message);

    /// <summary>
    /// The path with every symbolic link along it resolved (the parts that do not exist yet are kept as written).
    /// Resolving only the last component would let <c>data/link-to-etc/passwd</c> through.
    /// </summary>
    internal static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? Path.DirectorySeparatorChar.ToString();
        var current = root;
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                // A dangling link has no target to check; treat the link path itself as its location's parent chain.
                next = target is null ? next : RealPath(Path.GetFullPath(target.FullName));
            }
            else if (!info.Exists)
            {
                // Nothing below a missing component can be a link: keep the rest as written.
                return Path.GetFullPath(Path.Combine([next, .. parts[(i + 1)..]]));
            }

            current = next;
        }

        return current;
    }
}
