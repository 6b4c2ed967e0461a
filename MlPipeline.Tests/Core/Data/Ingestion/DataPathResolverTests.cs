using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Data.Ingestion;

[Parallelizable(ParallelScope.All)]
public sealed class DataPathResolverTests
{
    [Test]
    public void Resolve_FileInsideDataFolder_ReturnsItsRealPath()
    {
        using var work = new TemporaryDirectory("resolver");
        var data = Directory.CreateDirectory(Path.Combine(work.Path, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "a.csv"), "x");
        var resolver = new DataPathResolver(data, work.Path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolver.Resolve("a.csv").FullPath, Is.EqualTo(Path.Combine(resolver.DataRoot, "a.csv")));
            Assert.That(resolver.Resolve("data/a.csv").FullPath, Is.EqualTo(Path.Combine(resolver.DataRoot, "a.csv")), "relative to the working directory, as in the original guide");
            Assert.That(resolver.Resolve(Path.Combine(data, "a.csv")).Succeeded, Is.True, "absolute inside");
        }
    }

    [TestCase("../outside.csv")]
    [TestCase("sub/../../outside.csv")]
    [TestCase("/etc/passwd")]
    [TestCase("..%2Foutside.csv")]
    [TestCase("%2e%2e/%2e%2e/etc/passwd")]
    [TestCase("")]
    public void Resolve_PathLeavingTheDataFolder_IsRefusedAsOutside(string requested)
    {
        using var work = new TemporaryDirectory("resolver");
        var data = Directory.CreateDirectory(Path.Combine(work.Path, "data")).FullName;
        File.WriteAllText(Path.Combine(work.Path, "outside.csv"), "x");

        var result = new DataPathResolver(data, data).Resolve(requested);

        Assert.That(result.Problem, Is.EqualTo(DataPathProblem.OutsideDataFolder), result.Message);
    }

    [Test]
    public void Resolve_SymbolicLinksPointingOut_AreRefused()
    {
        using var work = new TemporaryDirectory("resolver");
        var data = Directory.CreateDirectory(Path.Combine(work.Path, "data")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(work.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.csv"), "x");
        File.CreateSymbolicLink(Path.Combine(data, "file-link.csv"), Path.Combine(outside, "secret.csv"));
        Directory.CreateSymbolicLink(Path.Combine(data, "dir-link"), outside);
        var resolver = new DataPathResolver(data, data);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolver.Resolve("file-link.csv").Problem, Is.EqualTo(DataPathProblem.OutsideDataFolder));
            Assert.That(resolver.Resolve("dir-link/secret.csv").Problem, Is.EqualTo(DataPathProblem.OutsideDataFolder));
        }
    }

    [TestCase("broker/__topics/ml-pipeline-alerts.json")]
    [TestCase("training/rows.db")]
    [TestCase("uploads/ds-1.csv")]
    [TestCase("data/broker/__topics/ml-pipeline-alerts.json")]
    public void Resolve_FileInTheServicesOwnStateUnderTheDataFolder_IsRefused(string requested)
    {
        using var work = new TemporaryDirectory("resolver");
        var data = Directory.CreateDirectory(Path.Combine(work.Path, "data")).FullName;
        foreach (var file in new[] { "broker/__topics/ml-pipeline-alerts.json", "training/rows.db", "uploads/ds-1.csv", "sales.csv" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(data, file))!);
            File.WriteAllText(Path.Combine(data, file), "x");
        }

        var resolver = new DataPathResolver("data", work.Path, ["data/broker", "data/training", "data/uploads", "models"]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolver.Resolve(requested).Problem, Is.EqualTo(DataPathProblem.OutsideDataFolder));
            Assert.That(resolver.Resolve(requested).Message, Does.Contain("service's own state"));
            Assert.That(resolver.Resolve("sales.csv").Succeeded, Is.True, "other files of the data folder stay ingestible");
        }
    }

    [Test]
    public void Resolve_MissingFileInsideDataFolder_IsNotFound()
    {
        using var work = new TemporaryDirectory("resolver");

        var result = new DataPathResolver(work.Path, work.Path).Resolve("missing.csv");

        Assert.That(result.Problem, Is.EqualTo(DataPathProblem.NotFound));
    }
}
