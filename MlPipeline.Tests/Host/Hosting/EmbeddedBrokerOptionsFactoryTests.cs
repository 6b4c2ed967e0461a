using MlPipeline.Broker;
using MlPipeline.Core.Configuration;
using MlPipeline.Host.Hosting;
using MlPipeline.Tests.Core.Configuration;

namespace MlPipeline.Tests.Host.Hosting;

[Parallelizable(ParallelScope.All)]
public sealed class EmbeddedBrokerOptionsFactoryTests
{
    [Test]
    public void Create_SeedFile_MapsTheBrokerSection()
    {
        var config = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment);

        var options = EmbeddedBrokerOptionsFactory.Create(config);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(options.Port, Is.EqualTo(9092));
            Assert.That(options.DataDirectory, Is.EqualTo("data/broker"));
            Assert.That(options.DefaultPartitions, Is.EqualTo(3));
            Assert.That(options.DefaultRetentionMs, Is.EqualTo(604_800_000));
            Assert.That(options.FlushPolicy, Is.EqualTo(FlushPolicy.Interval));
            Assert.That(options.ConnectionsMaxIdle, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(options.MaxMessageBytes, Is.EqualTo(new BrokerOptions().MaxMessageBytes));
        }
    }

    [Test]
    public void Create_ProducerRequestLargerThanBrokerDefault_RaisesBrokerMessageLimit()
    {
        var config = new PipelineConfig { Producer = { MaxRequestSize = 5_000_000 } };

        Assert.That(EmbeddedBrokerOptionsFactory.Create(config).MaxMessageBytes, Is.EqualTo(5_000_000));
    }

    [Test]
    public void Create_ConnectionsMaxIdleMinusOne_NeverClosesIdleConnections()
    {
        var config = new PipelineConfig { Broker = { ConnectionsMaxIdleMs = -1 } };

        Assert.That(EmbeddedBrokerOptionsFactory.Create(config).ConnectionsMaxIdle, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }

    [Test]
    public void Create_FlushAlways_MakesTheBrokerFsyncEveryProduce()
    {
        var config = new PipelineConfig { Broker = { Flush = BrokerFlushPolicy.Always } };

        Assert.That(EmbeddedBrokerOptionsFactory.Create(config).FlushPolicy, Is.EqualTo(FlushPolicy.Always));
    }
}
