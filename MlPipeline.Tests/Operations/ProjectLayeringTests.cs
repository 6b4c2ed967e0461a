using System.Xml.Linq;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Operations;

/// <summary>
/// The layering of docs/ARCHITECTURE.md, read from the project files so a new reference cannot slip in: Broker is a
/// standalone library, Core is host-agnostic pipeline logic that talks to Kafka only through a client, and Host is the
/// composition root that may use both.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ProjectLayeringTests
{
    [Test]
    public void Core_ReferencesNeitherHostNorBroker()
    {
        Assert.That(ProjectReferences("MlPipeline.Core"), Is.Empty,
            "MlPipeline.Core must stay host- and broker-agnostic; embedded-broker wiring belongs in MlPipeline.Host");
    }

    [Test]
    public void Broker_ReferencesNoProjectOfOurs()
    {
        Assert.That(ProjectReferences("MlPipeline.Broker"), Is.Empty,
            "MlPipeline.Broker is a standalone Kafka-protocol broker and must not depend on the pipeline");
    }

    [Test]
    public void Host_ReferencesOnlyCoreAndBroker()
    {
        Assert.That(ProjectReferences("MlPipeline.Host"), Is.SubsetOf(new[] { "MlPipeline.Core", "MlPipeline.Broker" }));
    }

    /// <summary>The project names (file name without extension) a project's &lt;ProjectReference&gt; items point at.</summary>
    private static string[] ProjectReferences(string project)
    {
        var document = XDocument.Load(RepositoryPaths.File(project, project + ".csproj"));
        return document.Descendants()
            .Where(element => element.Name.LocalName == "ProjectReference")
            .Select(element => Path.GetFileNameWithoutExtension(element.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToArray();
    }
}
