using System.Text.RegularExpressions;
using Confluent.Kafka;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class PipelineConfigLoaderTests
{
    [Test]
    public void Load_SeedFile_EqualsTheDocumentedDefaults()
    {
        var seed = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment);
        var defaults = new PipelineConfig();

        using (Assert.EnterMultipleScope())
        {
            foreach (var section in ConfigKeySchema.KeyProperties(typeof(PipelineConfig)))
            {
                foreach (var key in ConfigKeySchema.KeyProperties(section.PropertyType))
                {
                    var path = $"{ConfigKeySchema.KeyName(section)}.{ConfigKeySchema.KeyName(key)}";
                    Assert.That(key.GetValue(section.GetValue(seed)), Is.EqualTo(key.GetValue(section.GetValue(defaults))), path);
                }
            }
        }
    }

    [Test]
    public void Load_SeedFile_HasTheOriginalGuidesValues()
    {
        var config = PipelineConfigLoader.Load(TemporaryConfigDirectory.SeedConfigPath, TemporaryConfigDirectory.NoEnvironment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Kafka.BootstrapServers, Is.EqualTo("localhost:9092"));
            Assert.That(config.Kafka.SecurityProtocol, Is.EqualTo(SecurityProtocol.Plaintext));
            Assert.That(config.Topics.All.Select(topic => topic.Name), Is.EqualTo(new[]
            {
                "ml-pipeline-raw-data", "ml-pipeline-processed-data", "ml-pipeline-model-training",
                "ml-pipeline-model-evaluation", "ml-pipeline-prediction-requests", "ml-pipeline-prediction-results",
                "ml-pipeline-monitoring", "ml-pipeline-model-monitoring", "ml-pipeline-alerts", "ml-pipeline-dead-letter",
            }));
            Assert.That(config.Producer.CompressionType, Is.EqualTo(CompressionType.Snappy));
            Assert.That(config.Consumer.GroupId, Is.EqualTo("ml-pipeline-consumer-group"));
            Assert.That(config.SchemaRegistry.Url, Is.EqualTo("http://localhost:8081"));
            Assert.That(config.SchemaRegistry.Enabled, Is.False);
            Assert.That(config.Monitoring.MetricsIntervalSeconds, Is.EqualTo(60));
            Assert.That(config.ErrorHandling.MaxRetries, Is.EqualTo(3));
            Assert.That(config.Performance.ConsumerThreads, Is.EqualTo(4));
            Assert.That(config.Broker.Mode, Is.EqualTo(BrokerMode.Embedded));
            Assert.That(config.Http.Port, Is.EqualTo(8000));
        }
    }

    [Test]
    public void Load_EmptyFile_UsesDefaults()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("");

        Assert.That(config.Producer.BatchSize, Is.EqualTo(16_384));
    }

    [Test]
    public void Load_SectionWithNoKeys_KeepsItsDefaults()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("monitoring:\nproducer:\n  acks: all\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Monitoring, Is.Not.Null);
            Assert.That(config.Monitoring.HealthCheckIntervalSeconds, Is.EqualTo(30));
        }
    }

    [Test]
    public void Load_KafkaSpellings_AreCaseInsensitive()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("kafka:\n  security_protocol: plaintext\nproducer:\n  compression_type: ZSTD\n");

        Assert.That(config.Producer.CompressionType, Is.EqualTo(CompressionType.Zstd));
    }

    [Test]
    public void TopicsDeadLetterTopic_FollowsErrorHandlingDeadLetterTopic()
    {
        using var directory = new TemporaryConfigDirectory();

        var config = directory.Load("topics:\n  alerts_topic: a\nerror_handling:\n  dead_letter_topic: my-dlq\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Topics.DeadLetterTopic, Is.EqualTo("my-dlq"));
            Assert.That(config.Topics.All[^1], Is.EqualTo(new ConfiguredTopic("error_handling.dead_letter_topic", "my-dlq")));
        }
    }

    [Test]
    public void Load_EnvironmentVariables_WinOverTheFile()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("kafka:\n  bootstrap_servers: file-host:9092\n  security_protocol: PLAINTEXT\nhttp:\n  port: 8000\n");
        var environment = new Dictionary<string, string?>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = "env-a:19092,env-b:19092",
            ["KAFKA_SECURITY_PROTOCOL"] = "SSL",
            ["PORT"] = "5050",
        };

        var config = PipelineConfigLoader.Load(path, environment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.Kafka.BootstrapServers, Is.EqualTo("env-a:19092,env-b:19092"));
            Assert.That(config.Kafka.SecurityProtocol, Is.EqualTo(SecurityProtocol.Ssl));
            Assert.That(config.Http.Port, Is.EqualTo(5050));
        }
    }

    [Test]
    public void Load_EmptyEnvironmentVariables_AreIgnored()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("kafka:\n  bootstrap_servers: file-host:9092\n");
        var environment = new Dictionary<string, string?> { ["KAFKA_BOOTSTRAP_SERVERS"] = "", ["PORT"] = null };

        var config = PipelineConfigLoader.Load(path, environment);

        Assert.That(config.Kafka.BootstrapServers, Is.EqualTo("file-host:9092"));
    }

    [TestCase("KAFKA_SECURITY_PROTOCOL", "TLS",
        "kafka.security_protocol (from KAFKA_SECURITY_PROTOCOL) = 'TLS' is not one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL")]
    [TestCase("PORT", "eighty", "http.port (from PORT) = 'eighty' is not a whole number between 0 and 65535")]
    [TestCase("PORT", "70000", "http.port = '70000' must be between 0 and 65535")]
    [TestCase("KAFKA_BOOTSTRAP_SERVERS", "nohost", "kafka.bootstrap_servers = 'nohost' is not a comma-separated list of host:port with ports 1-65535")]
    public void Load_InvalidEnvironmentOverride_NamesTheKeyAndValue(string variable, string value, string expected)
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("");

        var error = Assert.Throws<ConfigurationException>(
            () => PipelineConfigLoader.Load(path, new Dictionary<string, string?> { [variable] = value }));

        Assert.That(error.Message, Is.EqualTo($"{path}: {expected}"));
    }

    [Test]
    public void Load_MissingFile_SaysWhereItLooked()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = Path.Combine(directory.FullPath, "nope.yaml");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Message, Is.EqualTo($"{path}: configuration file not found (looked for {path})"));
    }

    [TestCase("kafka:\n  bootstrap_servers: localhost:9092\n   acks: all\n", 3, 8)]
    [TestCase("kafka:\n  bootstrap_servers: \"localhost:9092\nproducer:\n", 2, 22)]
    [TestCase("kafka:\n  bootstrap_servers: [localhost:9092\nproducer:\n  acks: all\n", 2, 22)]
    public void Load_MalformedYaml_GivesLineAndColumn(string yaml, int line, int column)
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig(yaml);

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Errors, Has.One.StartsWith($"{path}: invalid YAML at line {line}, column {column}: ")
            .And.Not.Contains("Idx:"));
    }

    [Test]
    public void Load_TopLevelList_IsRejected()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("- kafka\n- topics\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Message, Is.EqualTo(
            $"{path}: invalid YAML at line 1, column 1: the file must be a mapping of sections (kafka:, topics:, ...)"));
    }

    [Test]
    public void Load_UnknownKeys_AreAllReportedWithTheirPositionAndTheKnownKeys()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("producer:\n  compresion_type: gzip\ntopics:\n  dead_letter_topic: x\nmonitor:\n  enabled: true\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Errors, Is.EqualTo(new[]
        {
            $"{path}: producer.compresion_type is not a known key (line 2, column 3); keys of producer: acks, retries, batch_size, linger_ms, buffer_memory, compression_type, max_request_size, request_timeout_ms, delivery_timeout_ms, enable_idempotence",
            $"{path}: topics.dead_letter_topic is not a known key (line 4, column 3); keys of topics: raw_data_topic, processed_data_topic, model_training_topic, model_evaluation_topic, prediction_requests_topic, prediction_results_topic, pipeline_monitoring_topic, model_monitoring_topic, alerts_topic",
            $"{path}: monitor is not a known key (line 5, column 1); top-level sections: kafka, topics, producer, consumer, schema_registry, monitoring, error_handling, performance, broker, http, service, data, training, serving, alerts, auth, rate_limits, logging",
        }));
    }

    [Test]
    public void Load_SeveralInvalidValues_ReportsEachOnItsOwnLine()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("kafka:\n  security_protocol: SASL_SSL\n  sasl_mechanism: SCRAM-SHA-512\nproducer:\n  batch_size: 0\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Errors, Is.EqualTo(new[]
            {
                $"{path}: kafka.sasl_username = '' is required with security_protocol SASL_SSL",
                $"{path}: kafka.sasl_password is required with security_protocol SASL_SSL",
                $"{path}: producer.batch_size = '0' must be at least 1",
            }));
            Assert.That(error.Message, Is.EqualTo(string.Join('\n', error.Errors)));
        }
    }
}
