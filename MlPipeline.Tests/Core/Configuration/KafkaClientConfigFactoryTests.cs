using Confluent.Kafka;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaClientConfigFactoryTests
{
    private static KafkaClientConfigFactory SeedFactory() =>
        new(PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment));

    [Test]
    public void CreateProducerConfig_SeedFile_MapsEveryProducerKey()
    {
        var producer = SeedFactory().CreateProducerConfig();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(producer.BootstrapServers, Is.EqualTo("localhost:9092"));
            Assert.That(producer.SecurityProtocol, Is.EqualTo(SecurityProtocol.Plaintext));
            Assert.That(producer.Acks, Is.EqualTo(Acks.All));
            Assert.That(producer.MessageSendMaxRetries, Is.EqualTo(3));
            Assert.That(producer.BatchSize, Is.EqualTo(16_384));
            Assert.That(producer.LingerMs, Is.EqualTo(5));
            Assert.That(producer.QueueBufferingMaxKbytes, Is.EqualTo(32_768));
            Assert.That(producer.CompressionType, Is.EqualTo(CompressionType.Snappy));
            Assert.That(producer.MessageMaxBytes, Is.EqualTo(1_048_576));
            Assert.That(producer.RequestTimeoutMs, Is.EqualTo(30_000));
            Assert.That(producer.MessageTimeoutMs, Is.EqualTo(120_000));
            Assert.That(producer.EnableIdempotence, Is.True);
            Assert.That(producer.SocketConnectionSetupTimeoutMs, Is.EqualTo(10_000));
        }
    }

    [Test]
    public void CreateConsumerConfig_SeedFile_MapsEveryConsumerKey()
    {
        var consumer = SeedFactory().CreateConsumerConfig();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consumer.BootstrapServers, Is.EqualTo("localhost:9092"));
            Assert.That(consumer.GroupId, Is.EqualTo("ml-pipeline-consumer-group"));
            Assert.That(consumer.AutoOffsetReset, Is.EqualTo(AutoOffsetReset.Earliest));
            Assert.That(consumer.EnableAutoCommit, Is.True);
            Assert.That(consumer.AutoCommitIntervalMs, Is.EqualTo(5_000));
            Assert.That(consumer.EnableAutoOffsetStore, Is.False);
            Assert.That(consumer.SessionTimeoutMs, Is.EqualTo(30_000));
            Assert.That(consumer.HeartbeatIntervalMs, Is.EqualTo(3_000));
            Assert.That(consumer.FetchWaitMaxMs, Is.EqualTo(500));
            Assert.That(consumer.FetchMinBytes, Is.EqualTo(1));
            Assert.That(consumer.FetchMaxBytes, Is.EqualTo(52_428_800));
            Assert.That(consumer.ReceiveMessageMaxBytes, Is.EqualTo(100_000_000));
            Assert.That(consumer.MaxPollIntervalMs, Is.EqualTo(300_000));
            Assert.That(consumer.SocketConnectionSetupTimeoutMs, Is.EqualTo(10_000));
        }
    }

    [Test]
    public void CreateAdminClientConfig_SeedFile_UsesConnectionSettingsAndStartupTimeout()
    {
        var admin = SeedFactory().CreateAdminClientConfig();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(admin.BootstrapServers, Is.EqualTo("localhost:9092"));
            Assert.That(admin.SecurityProtocol, Is.EqualTo(SecurityProtocol.Plaintext));
            Assert.That(admin.SocketConnectionSetupTimeoutMs, Is.EqualTo(10_000));
            Assert.That(admin.SocketTimeoutMs, Is.EqualTo(10_000));
        }
    }

    [Test]
    public void CreateConsumerConfig_WithStageGroup_UsesThatGroup()
    {
        var consumer = SeedFactory().CreateConsumerConfig("ml-pipeline-serving");

        Assert.That(consumer.GroupId, Is.EqualTo("ml-pipeline-serving"));
    }

    [Test]
    public void CreateConsumerConfig_FetchMaxBytesAboveDefaultReceiveLimit_RaisesReceiveLimit()
    {
        var config = new PipelineConfig { Consumer = { FetchMaxBytes = 200_000_000 } };

        var consumer = new KafkaClientConfigFactory(config).CreateConsumerConfig();

        Assert.That(consumer.ReceiveMessageMaxBytes, Is.EqualTo(200_000_512));
    }

    [Test]
    public void CreateProducerConfig_BufferMemoryNotWholeKiB_RoundsUp()
    {
        var config = new PipelineConfig { Producer = { BufferMemory = 1025 } };

        Assert.That(new KafkaClientConfigFactory(config).CreateProducerConfig().QueueBufferingMaxKbytes, Is.EqualTo(2));
    }

    [Test]
    public void BootstrapServersOverride_ReplacesTheConfiguredServers()
    {
        var factory = new KafkaClientConfigFactory(new PipelineConfig(), "127.0.0.1:40123");

        Assert.That(factory.CreateAdminClientConfig().BootstrapServers, Is.EqualTo("127.0.0.1:40123"));
    }

    [TestCase("SCRAM-SHA-256", SaslMechanism.ScramSha256, "SASL_SSL", SecurityProtocol.SaslSsl)]
    [TestCase("SCRAM-SHA-512", SaslMechanism.ScramSha512, "SASL_PLAINTEXT", SecurityProtocol.SaslPlaintext)]
    [TestCase("PLAIN", SaslMechanism.Plain, "SASL_SSL", SecurityProtocol.SaslSsl)]
    public void SaslSettings_ReachEveryClientConfig(
        string mechanismText, SaslMechanism mechanism, string protocolText, SecurityProtocol protocol)
    {
        using var directory = new TemporaryConfigDirectory();
        var factory = new KafkaClientConfigFactory(directory.Load(
            $"kafka:\n  security_protocol: {protocolText}\n  sasl_mechanism: {mechanismText}\n  sasl_username: pipeline\n  sasl_password: s3cret\n"));

        using (Assert.EnterMultipleScope())
        {
            foreach (ClientConfig client in new ClientConfig[]
                     { factory.CreateProducerConfig(), factory.CreateConsumerConfig(), factory.CreateAdminClientConfig() })
            {
                Assert.That(client.SecurityProtocol, Is.EqualTo(protocol));
                Assert.That(client.SaslMechanism, Is.EqualTo(mechanism));
                Assert.That(client.SaslUsername, Is.EqualTo("pipeline"));
                Assert.That(client.SaslPassword, Is.EqualTo("s3cret"));
            }
        }
    }

    [Test]
    public void SaslSettings_WithoutSaslProtocol_AreLeftOutOfTheClientConfig()
    {
        using var directory = new TemporaryConfigDirectory();
        var factory = new KafkaClientConfigFactory(directory.Load(
            "kafka:\n  security_protocol: PLAINTEXT\n  sasl_mechanism: PLAIN\n  sasl_username: pipeline\n  sasl_password: s3cret\n"));

        var client = factory.CreateProducerConfig();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.SaslMechanism, Is.Null, "librdkafka warns about a SASL mechanism on a non-SASL connection");
            Assert.That(client.SaslUsername, Is.Null);
            Assert.That(client.SaslPassword, Is.Null);
        }
    }

    [Test]
    public void SslFiles_ReachEveryClientConfig()
    {
        using var directory = new TemporaryConfigDirectory();
        var ca = directory.WriteFile("ca.pem", "ca");
        var certificate = directory.WriteFile("client.pem", "cert");
        var key = directory.WriteFile("client.key", "key");
        var factory = new KafkaClientConfigFactory(directory.Load(
            $"kafka:\n  security_protocol: SSL\n  ssl_cafile: {ca}\n  ssl_certfile: {certificate}\n  ssl_keyfile: {key}\n  ssl_password: keypass\n"));

        using (Assert.EnterMultipleScope())
        {
            foreach (ClientConfig client in new ClientConfig[]
                     { factory.CreateProducerConfig(), factory.CreateConsumerConfig(), factory.CreateAdminClientConfig() })
            {
                Assert.That(client.SecurityProtocol, Is.EqualTo(SecurityProtocol.Ssl));
                Assert.That(client.SslCaLocation, Is.EqualTo(ca));
                Assert.That(client.SslCertificateLocation, Is.EqualTo(certificate));
                Assert.That(client.SslKeyLocation, Is.EqualTo(key));
                Assert.That(client.SslKeyPassword, Is.EqualTo("keypass"));
            }
        }
    }

    [Test]
    public void UnsetOptionalSettings_AreLeftToLibrdkafkaDefaults()
    {
        var client = SeedFactory().CreateClientConfig();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.SaslUsername, Is.Null);
            Assert.That(client.SaslPassword, Is.Null);
            Assert.That(client.SslCaLocation, Is.Null);
            Assert.That(client.SslCertificateLocation, Is.Null);
            Assert.That(client.SslKeyLocation, Is.Null);
            Assert.That(client.SslKeyPassword, Is.Null);
        }
    }

    [Test]
    public void SeedClientConfigs_AreAcceptedByLibrdkafka()
    {
        // librdkafka checks cross-property rules (idempotence, poll interval vs session, fetch sizes) only when a
        // client is built; nothing here connects (clients are disposed at once, logs are captured, not printed).
        var factory = SeedFactory();
        var logs = new List<string>();

        Assert.DoesNotThrow(() =>
        {
            using var producer = new ProducerBuilder<Null, string>(factory.CreateProducerConfig())
                .SetLogHandler((_, message) => { lock (logs) { logs.Add(message.Message); } })
                .Build();
            using var consumer = new ConsumerBuilder<Null, string>(factory.CreateConsumerConfig())
                .SetLogHandler((_, message) => { lock (logs) { logs.Add(message.Message); } })
                .Build();
            using var admin = new AdminClientBuilder(factory.CreateAdminClientConfig())
                .SetLogHandler((_, message) => { lock (logs) { logs.Add(message.Message); } })
                .Build();
        });
    }
}
