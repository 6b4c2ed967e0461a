using MlPipeline.Core.Configuration;
using MlPipeline.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlPipeline.Tests.Operations;

/// <summary>
/// docker-compose.kafka.yml, read as data (no docker needed): the services of the original guide, pinned images,
/// health checks, named volumes, and listeners that serve both the host (the configuration's default
/// bootstrap_servers) and the other containers.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class KafkaComposeFileTests
{
    private const string InterContainerBootstrap = "kafka:29092";

    private static readonly Dictionary<string, int> PublishedPorts = new()
    {
        ["kafka"] = 9092,
        ["kafka-ui"] = 8080,
        ["schema-registry"] = 8081,
        ["connect"] = 8083,
        ["ksqldb-server"] = 8088,
        ["control-center"] = 9021,
    };

    private YamlMappingNode _compose = null!;

    [OneTimeSetUp]
    public void ReadComposeFile()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(RepositoryPaths.File("docker-compose.kafka.yml"));
        stream.Load(reader);
        _compose = (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private YamlMappingNode Services => (YamlMappingNode)_compose["services"];

    private YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Environment(YamlMappingNode service, string name) =>
        ((YamlScalarNode)((YamlMappingNode)service["environment"])[name]).Value!;

    [Test]
    public void Services_AreTheOriginalGuidesStackInKRaftModeWithoutZooKeeper()
    {
        var names = Services.Children.Keys.Select(key => ((YamlScalarNode)key).Value).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(names, Is.EquivalentTo(PublishedPorts.Keys));
            Assert.That(Environment(Service("kafka"), "KAFKA_PROCESS_ROLES"), Is.EqualTo("broker,controller"));
            Assert.That(names, Has.None.Contains("zookeeper"));
        }
    }

    [Test]
    public void EveryService_PublishesItsPortOnLoopback()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, port) in PublishedPorts)
            {
                var ports = ((YamlSequenceNode)Service(name)["ports"]).Select(node => ((YamlScalarNode)node).Value).ToArray();
                Assert.That(ports, Is.EqualTo(new[] { $"127.0.0.1:{port}:{port}" }), name);
            }
        }
    }

    [Test]
    public void EveryImage_IsPinnedToAVersion()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var (key, value) in Services.Children)
            {
                var image = ((YamlScalarNode)((YamlMappingNode)value)["image"]).Value!;
                var tag = image.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : "";
                Assert.That(tag, Does.Match(@"^v?\d+\.\d+\.\d+$"), $"{key}: {image}");
            }
        }
    }

    [Test]
    public void EveryService_HasAHealthCheckAndWaitsForHealthyDependencies()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var (key, value) in Services.Children)
            {
                var service = (YamlMappingNode)value;
                Assert.That(service.Children.ContainsKey("healthcheck") && ((YamlMappingNode)service["healthcheck"]).Children.ContainsKey("test"),
                    $"{key} has a health check");
                if (!service.Children.ContainsKey("depends_on")) continue;
                foreach (var (dependency, condition) in ((YamlMappingNode)service["depends_on"]).Children)
                    Assert.That(((YamlScalarNode)((YamlMappingNode)condition)["condition"]).Value, Is.EqualTo("service_healthy"), $"{key} → {dependency}");
            }
        }
    }

    [Test]
    public void EveryVolumeMount_IsANamedVolumeDeclaredAtTheTopLevel()
    {
        var declared = ((YamlMappingNode)_compose["volumes"]).Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToHashSet();
        var mounted = Services.Children.Values.Cast<YamlMappingNode>()
            .Where(service => service.Children.ContainsKey("volumes"))
            .SelectMany(service => (YamlSequenceNode)service["volumes"])
            .Select(node => ((YamlScalarNode)node).Value!.Split(':')[0])
            .ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(mounted, Does.Contain("kafka-data"), "the broker's log survives `docker compose down`");
            Assert.That(mounted, Is.All.Matches<string>(source => declared.Contains(source)), "no bind mounts or undeclared volumes");
            Assert.That(declared, Is.SubsetOf(mounted), "no unused volumes");
        }
    }

    [Test]
    public void HostListener_IsTheConfigurationsDefaultBootstrapServers()
    {
        var seed = PipelineConfigLoader.Load(RepositoryPaths.File("config", "kafka_config.yaml"), new Dictionary<string, string?>());
        var advertised = Listeners(Environment(Service("kafka"), "KAFKA_ADVERTISED_LISTENERS"));

        Assert.That(advertised["PLAINTEXT_HOST"], Is.EqualTo(seed.Kafka.BootstrapServers));
    }

    [Test]
    public void Listeners_AreDeclaredMappedAndUsedBetweenContainers()
    {
        var kafka = Service("kafka");
        var bound = Listeners(Environment(kafka, "KAFKA_LISTENERS"));
        var advertised = Listeners(Environment(kafka, "KAFKA_ADVERTISED_LISTENERS"));
        var protocols = Listeners(Environment(kafka, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"));
        var clientsOfKafka = new[]
        {
            Environment(Service("schema-registry"), "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"),
            Environment(Service("connect"), "CONNECT_BOOTSTRAP_SERVERS"),
            Environment(Service("ksqldb-server"), "KSQL_BOOTSTRAP_SERVERS"),
            Environment(Service("control-center"), "CONTROL_CENTER_BOOTSTRAP_SERVERS"),
            Environment(Service("kafka-ui"), "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"),
        };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(advertised["PLAINTEXT"], Is.EqualTo(InterContainerBootstrap));
            Assert.That(advertised.Keys, Is.SubsetOf(bound.Keys), "every advertised listener is bound");
            Assert.That(bound.Keys, Is.SubsetOf(protocols.Keys), "every listener has a security protocol");
            Assert.That(bound["PLAINTEXT_HOST"], Does.EndWith(":9092"), "bound on the port the host publishes");
            Assert.That(Environment(kafka, "KAFKA_INTER_BROKER_LISTENER_NAME"), Is.EqualTo("PLAINTEXT"));
            Assert.That(Environment(kafka, "KAFKA_CONTROLLER_LISTENER_NAMES"), Is.EqualTo("CONTROLLER").And.Not.AnyOf(advertised.Keys.ToArray()));
            Assert.That(clientsOfKafka, Is.All.EqualTo(InterContainerBootstrap), "containers never use the host's localhost listener");
        }
    }

    // "NAME://host:port,NAME2://..." or "NAME:PROTOCOL,..." → NAME → the rest.
    private static Dictionary<string, string> Listeners(string text) =>
        text.Split(',').Select(entry => entry.Trim()).ToDictionary(
            entry => entry[..entry.IndexOf(':')],
            entry => entry[(entry.IndexOf(':') + 1)..].TrimStart('/'));
}
