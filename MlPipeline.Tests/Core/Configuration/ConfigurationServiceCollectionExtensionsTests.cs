using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class ConfigurationServiceCollectionExtensionsTests
{
    [Test]
    public void AddPipelineConfiguration_RegistersRootSectionsAndFactory()
    {
        var config = new PipelineConfig();
        using var provider = new ServiceCollection().AddPipelineConfiguration(config).BuildServiceProvider();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(provider.GetRequiredService<PipelineConfig>(), Is.SameAs(config));
            Assert.That(provider.GetRequiredService<IOptions<KafkaOptions>>().Value, Is.SameAs(config.Kafka));
            Assert.That(provider.GetRequiredService<IOptions<TopicsOptions>>().Value, Is.SameAs(config.Topics));
            Assert.That(provider.GetRequiredService<IOptions<ProducerOptions>>().Value, Is.SameAs(config.Producer));
            Assert.That(provider.GetRequiredService<IOptions<ConsumerOptions>>().Value, Is.SameAs(config.Consumer));
            Assert.That(provider.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value, Is.SameAs(config.SchemaRegistry));
            Assert.That(provider.GetRequiredService<IOptions<MonitoringOptions>>().Value, Is.SameAs(config.Monitoring));
            Assert.That(provider.GetRequiredService<IOptions<ErrorHandlingOptions>>().Value, Is.SameAs(config.ErrorHandling));
            Assert.That(provider.GetRequiredService<IOptions<PerformanceOptions>>().Value, Is.SameAs(config.Performance));
            Assert.That(provider.GetRequiredService<IOptions<BrokerSectionOptions>>().Value, Is.SameAs(config.Broker));
            Assert.That(provider.GetRequiredService<IOptions<HttpOptions>>().Value, Is.SameAs(config.Http));
            Assert.That(provider.GetRequiredService<KafkaClientConfigFactory>(), Is.Not.Null);
        }
    }
}
