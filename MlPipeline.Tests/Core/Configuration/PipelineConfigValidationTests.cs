using MlPipeline.Core.Configuration;

namespace MlPipeline.Tests.Core.Configuration;

/// <summary>Each invalid value stops loading with exactly one line: file, key path, value, what is allowed.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PipelineConfigValidationTests
{
    private static readonly string LongTopicName = new('t', 250);

    private static IEnumerable<TestCaseData> InvalidValues()
    {
        // Enum values outside the allowed spellings.
        yield return Case("producer:\n  compression_type: brotli",
            "producer.compression_type = 'brotli' is not one of none, gzip, snappy, lz4, zstd");
        yield return Case("producer:\n  acks: 2", "producer.acks = '2' is not one of 0, 1, all");
        yield return Case("kafka:\n  security_protocol: TLS",
            "kafka.security_protocol = 'TLS' is not one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL");
        yield return Case("kafka:\n  sasl_mechanism: GSSAPI",
            "kafka.sasl_mechanism = 'GSSAPI' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
        yield return Case("consumer:\n  auto_offset_reset: none",
            "consumer.auto_offset_reset = 'none' is not one of earliest, latest");
        yield return Case("broker:\n  mode: cluster", "broker.mode = 'cluster' is not one of embedded, external");
        yield return Case("broker:\n  flush: sometimes", "broker.flush = 'sometimes' is not one of interval, always");

        // Values of the wrong type.
        yield return Case("producer:\n  retries: abc",
            "producer.retries = 'abc' is not a whole number between -2147483648 and 2147483647");
        yield return Case("monitoring:\n  enabled: maybe", "monitoring.enabled = 'maybe' is not true or false");
        yield return Case("broker:\n  retention_ms: forever", "broker.retention_ms = 'forever' is not a whole number");

        // Shapes.
        yield return Case("producer: fast", "producer must be a section of 'key: value' lines (line 1, column 11)");
        yield return Case("producer:\n  acks: [all]", "producer.acks must be a single value, not a list or section (line 2, column 9)");

        // Sizes, timeouts and counts out of range.
        yield return Case("producer:\n  retries: -1", "producer.retries = '-1' must be at least 0");
        yield return Case("producer:\n  batch_size: 0", "producer.batch_size = '0' must be at least 1");
        yield return Case("producer:\n  linger_ms: -5", "producer.linger_ms = '-5' must be between 0 and 900000");
        yield return Case("producer:\n  buffer_memory: 512", "producer.buffer_memory = '512' must be between 1024 and 2199023254528");
        yield return Case("producer:\n  max_request_size: 0", "producer.max_request_size = '0' must be between 1000 and 1000000000");
        yield return Case("producer:\n  request_timeout_ms: 0", "producer.request_timeout_ms = '0' must be between 1 and 900000");
        yield return Case("producer:\n  delivery_timeout_ms: 999", "producer.delivery_timeout_ms = '999' must be at least 1000");
        yield return Case("consumer:\n  auto_commit_interval_ms: -1", "consumer.auto_commit_interval_ms = '-1' must be between 1 and 86400000");
        yield return Case("consumer:\n  session_timeout_ms: 0", "consumer.session_timeout_ms = '0' must be between 1 and 3600000");
        yield return Case("consumer:\n  heartbeat_interval_ms: -1", "consumer.heartbeat_interval_ms = '-1' must be between 1 and 3600000");
        yield return Case("consumer:\n  max_poll_records: 0", "consumer.max_poll_records = '0' must be between 1 and 1000000");
        yield return Case("consumer:\n  fetch_max_wait_ms: -1", "consumer.fetch_max_wait_ms = '-1' must be between 0 and 300000");
        yield return Case("consumer:\n  fetch_min_bytes: 0", "consumer.fetch_min_bytes = '0' must be between 1 and 100000000");
        yield return Case("consumer:\n  fetch_max_bytes: 0", "consumer.fetch_max_bytes = '0' must be between 1000000 and 2147483135");
        yield return Case("monitoring:\n  metrics_interval_seconds: 0", "monitoring.metrics_interval_seconds = '0' must be between 1 and 86400");
        yield return Case("monitoring:\n  health_check_interval_seconds: -30", "monitoring.health_check_interval_seconds = '-30' must be between 1 and 86400");
        yield return Case("error_handling:\n  max_retries: -1", "error_handling.max_retries = '-1' must be between 0 and 100");
        yield return Case("error_handling:\n  retry_delay_seconds: -5", "error_handling.retry_delay_seconds = '-5' must be between 0 and 3600");
        yield return Case("performance:\n  producer_threads: 0", "performance.producer_threads = '0' must be between 1 and 64");
        yield return Case("performance:\n  producer_threads: 65", "performance.producer_threads = '65' must be between 1 and 64");
        yield return Case("performance:\n  consumer_threads: 0", "performance.consumer_threads = '0' must be between 1 and 256");
        yield return Case("performance:\n  batch_processing_size: 0", "performance.batch_processing_size = '0' must be between 1 and 100000");
        yield return Case("performance:\n  batch_processing_size: 100001", "performance.batch_processing_size = '100001' must be between 1 and 100000");
        yield return Case("performance:\n  processing_timeout_seconds: 0", "performance.processing_timeout_seconds = '0' must be between 1 and 86400");
        yield return Case("broker:\n  port: 70000", "broker.port = '70000' must be between 0 and 65535");
        yield return Case("broker:\n  partitions: 0", "broker.partitions = '0' must be between 1 and 256");
        yield return Case("broker:\n  retention_ms: 0", "broker.retention_ms = '0' must be a positive number of milliseconds, or -1 to keep data forever");
        yield return Case("broker:\n  connections_max_idle_ms: 999", "broker.connections_max_idle_ms = '999' must be at least 1000 milliseconds, or -1 to never close idle connections");
        yield return Case("broker:\n  startup_timeout_seconds: 0", "broker.startup_timeout_seconds = '0' must be between 1 and 300");
        yield return Case("http:\n  port: -1", "http.port = '-1' must be between 0 and 65535");
        yield return Case("service:\n  shutdown_timeout_seconds: 0", "service.shutdown_timeout_seconds = '0' must be between 1 and 3600");

        // Rules across keys.
        yield return Case("producer:\n  linger_ms: 1000\n  request_timeout_ms: 30000\n  delivery_timeout_ms: 20000",
            "producer.delivery_timeout_ms = '20000' must be at least producer.linger_ms + producer.request_timeout_ms (31000) so one attempt fits");
        yield return Case("consumer:\n  heartbeat_interval_ms: 30000",
            "consumer.heartbeat_interval_ms = '30000' must be less than consumer.session_timeout_ms (30000); a third of it is usual");
        yield return Case("performance:\n  processing_timeout_seconds: 10",
            "performance.processing_timeout_seconds = '10' must be at least consumer.session_timeout_ms (30000 ms)");
        yield return Case("consumer:\n  fetch_min_bytes: 2000000\n  fetch_max_bytes: 1000000",
            "consumer.fetch_min_bytes = '2000000' must not exceed consumer.fetch_max_bytes (1000000)");
        yield return Case("producer:\n  acks: all\n  enable_idempotence: false",
            "producer.enable_idempotence = 'false' is not allowed with producer.acks = all; must be true (retries would otherwise write duplicates)");
        yield return Case("producer:\n  acks: 1",
            "producer.acks = '1' is not allowed with producer.enable_idempotence = true; must be all");
        yield return Case("producer:\n  retries: 0",
            "producer.retries = '0' is not allowed with producer.enable_idempotence = true; must be at least 1");
        yield return Case("broker:\n  replication_factor: 3",
            "broker.replication_factor = '3' is not allowed with broker.mode = embedded; the embedded broker is a single node, so it must be 1");

        // Connection settings.
        yield return Case("kafka:\n  bootstrap_servers: \"\"", "kafka.bootstrap_servers = '' is empty; expected host:port[,host:port...]");
        yield return Case("kafka:\n  bootstrap_servers: localhost",
            "kafka.bootstrap_servers = 'localhost' is not a comma-separated list of host:port with ports 1-65535");
        yield return Case("kafka:\n  bootstrap_servers: a:9092,b:0",
            "kafka.bootstrap_servers = 'a:9092,b:0' is not a comma-separated list of host:port with ports 1-65535");
        yield return Case("kafka:\n  security_protocol: SASL_PLAINTEXT\n  sasl_mechanism:\n  sasl_username: u\n  sasl_password: p",
            "kafka.sasl_mechanism = '' is required with security_protocol SASL_PLAINTEXT; allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
        yield return Case("kafka:\n  security_protocol: SASL_PLAINTEXT\n  sasl_password: p",
            "kafka.sasl_username = '' is required with security_protocol SASL_PLAINTEXT");
        yield return Case("kafka:\n  security_protocol: SASL_SSL\n  sasl_username: u",
            "kafka.sasl_password is required with security_protocol SASL_SSL");
        yield return Case("consumer:\n  group_id: \"\"", "consumer.group_id = '' is empty; a consumer group name is required");
        yield return Case("schema_registry:\n  url: not a url", "schema_registry.url = 'not a url' is not an absolute http:// or https:// URL");
        yield return Case("broker:\n  host: \"\"", "broker.host = '' is empty; expected an IP address or host name to listen on");
        yield return Case("broker:\n  data_dir: \"\"", "broker.data_dir = '' is empty; expected a directory path");
        yield return Case("broker:\n  host: 0.0.0.0", "broker.host = '0.0.0.0' can be reached from other machines and the embedded broker has no "
            + "authentication; use 127.0.0.1, or set broker.allow_unauthenticated_remote: true");
        yield return Case("broker:\n  max_partitions_per_topic: 16\n  partitions: 32", "broker.partitions = '32' must be between 1 and 16");
        yield return Case("broker:\n  fetch_max_bytes: 0", "broker.fetch_max_bytes = '0' must be at least 1024");
        yield return Case("broker:\n  max_connections_per_ip: 0", "broker.max_connections_per_ip = '0' must be between 1 and 1000000");
        yield return Case("broker:\n  offsets_retention_minutes: 0", "broker.offsets_retention_minutes = '0' must be at least 1");

        // Topic names.
        const string TopicRule = "is not a valid Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ - (and not '.' or '..')";
        yield return Case("topics:\n  raw_data_topic: raw data", $"topics.raw_data_topic = 'raw data' {TopicRule}");
        yield return Case("topics:\n  alerts_topic: \"\"", $"topics.alerts_topic = '' {TopicRule}");
        yield return Case("topics:\n  alerts_topic: \"..\"", $"topics.alerts_topic = '..' {TopicRule}");
        yield return Case("topics:\n  alerts_topic: alerts/v1", $"topics.alerts_topic = 'alerts/v1' {TopicRule}");
        yield return Case($"topics:\n  alerts_topic: {LongTopicName}", $"topics.alerts_topic = '{LongTopicName}' {TopicRule}");
        yield return Case("error_handling:\n  dead_letter_topic: dead letters", $"error_handling.dead_letter_topic = 'dead letters' {TopicRule}");
        yield return Case("topics:\n  alerts_topic: ml-pipeline-raw-data",
            "topics.alerts_topic = 'ml-pipeline-raw-data' is already used by topics.raw_data_topic; every topic must have its own name");
        yield return Case("error_handling:\n  dead_letter_topic: ml-pipeline-alerts",
            "error_handling.dead_letter_topic = 'ml-pipeline-alerts' is already used by topics.alerts_topic; every topic must have its own name");
    }

    [TestCaseSource(nameof(InvalidValues))]
    public void Load_InvalidValue_FailsWithOneLineNamingFileKeyValueAndAllowed(string yaml, string expected)
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig(yaml + "\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Errors, Is.EqualTo(new[] { $"{path}: {expected}" }));
            Assert.That(error.Message, Is.EqualTo($"{path}: {expected}"));
        }
    }

    [Test]
    public void Load_SslFilesThatDoNotExist_AreEachReported()
    {
        using var directory = new TemporaryConfigDirectory();
        var missing = Path.Combine(directory.FullPath, "missing");
        var path = directory.WriteConfig(
            $"kafka:\n  security_protocol: SSL\n  ssl_cafile: {missing}/ca.pem\n  ssl_certfile: {missing}/client.pem\n  ssl_keyfile: {missing}/client.key\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Errors, Is.EqualTo(new[]
        {
            $"{path}: kafka.ssl_cafile = '{missing}/ca.pem' does not exist (looked for {missing}/ca.pem); expected a readable PEM file",
            $"{path}: kafka.ssl_certfile = '{missing}/client.pem' does not exist (looked for {missing}/client.pem); expected a readable PEM file",
            $"{path}: kafka.ssl_keyfile = '{missing}/client.key' does not exist (looked for {missing}/client.key); expected a readable PEM file",
        }));
    }

    [Test]
    public void Load_SslCertificateWithoutKey_IsRejected()
    {
        using var directory = new TemporaryConfigDirectory();
        var certificate = directory.WriteFile("client.pem", "cert");
        var path = directory.WriteConfig($"kafka:\n  security_protocol: SSL\n  ssl_certfile: {certificate}\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Message, Is.EqualTo(
            $"{path}: kafka.ssl_keyfile = '' is required when kafka.ssl_certfile is set (a client certificate needs its private key)"));
    }

    [Test]
    public void Load_SaslPassword_IsNeverEchoed()
    {
        using var directory = new TemporaryConfigDirectory();
        var path = directory.WriteConfig("kafka:\n  security_protocol: SASL_SSL\n  sasl_password: hunter2-secret\nproducer:\n  batch_size: 0\n");

        var error = Assert.Throws<ConfigurationException>(() => PipelineConfigLoader.Load(path, TemporaryConfigDirectory.NoEnvironment));

        Assert.That(error.Message, Does.Not.Contain("hunter2-secret"));
    }

    [Test]
    public void Validate_ValidConfig_ReturnsNoErrors()
    {
        var errors = new PipelineConfigValidator().Validate(new PipelineConfig(), "defaults");

        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void Validate_ExternalModeWithReplication_IsAccepted()
    {
        var config = new PipelineConfig { Broker = { Mode = BrokerMode.External, ReplicationFactor = 3 } };

        Assert.That(new PipelineConfigValidator().Validate(config, "test"), Is.Empty);
    }

    private static TestCaseData Case(string yaml, string expected) =>
        new TestCaseData(yaml, expected).SetArgDisplayNames(expected.Split(' ')[0] + " " + Truncate(yaml.Replace('\n', ' ')));

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60];
}
