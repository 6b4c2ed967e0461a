using System.Text.RegularExpressions;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Operations;

/// <summary>
/// docs/ARCHITECTURE.md cannot silently drift from the code: every top-level folder of MlPipeline.Core is named there,
/// and MlPipeline.Core's namespaces import each other in one direction only (a namespace may use its parent).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed partial class ArchitectureDocTests
{
    private static readonly string CoreRoot = RepositoryPaths.File("MlPipeline.Core");

    [Test]
    public void ArchitectureDoc_NamesEveryTopLevelFolderOfCore()
    {
        var doc = File.ReadAllText(RepositoryPaths.File("docs", "ARCHITECTURE.md"));
        var folders = Directory.GetDirectories(CoreRoot)
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj"))
            .ToArray();

        Assert.That(folders, Is.Not.Empty);
        Assert.That(folders.Where(folder => !doc.Contains($"`{folder}/`", StringComparison.Ordinal)), Is.Empty,
            "describe the missing MlPipeline.Core folders in docs/ARCHITECTURE.md");
    }

    [Test]
    public void CoreNamespaces_HaveNoImportCycles()
    {
        // namespace -> namespaces its files import with `using MlPipeline.Core…;` (imports of an enclosing
        // namespace are left out: a child may use its parent).
        var imports = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(CoreRoot, "*.cs", SearchOption.AllDirectories)
                     .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            var ns = NamespaceDeclaration().Match(text).Groups[1].Value;
            var targets = imports.TryGetValue(ns, out var set) ? set : imports[ns] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match import in CoreUsing().Matches(text))
            {
                var target = import.Groups[1].Value;
                if (target != ns && !ns.StartsWith(target + ".", StringComparison.Ordinal))
                    targets.Add(target);
            }
        }

        Assert.That(FindCycle(imports), Is.Null, "a namespace cycle in MlPipeline.Core");
    }

    /// <summary>One cycle as "A -> B -> A", or null when the graph has none (depth-first search).</summary>
    private static string? FindCycle(Dictionary<string, HashSet<string>> imports)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        string? Visit(string node)
        {
            var onPath = path.IndexOf(node);
            if (onPath >= 0)
                return string.Join(" -> ", path.Skip(onPath).Append(node));
            if (!done.Add(node))
                return null;
            path.Add(node);
            foreach (var next in imports.GetValueOrDefault(node) ?? [])
            {
                if (Visit(next) is { } cycle)
                    return cycle;
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        return imports.Keys.Select(Visit).FirstOrDefault(cycle => cycle is not null);
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^using (MlPipeline\.Core[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex CoreUsing();
}
