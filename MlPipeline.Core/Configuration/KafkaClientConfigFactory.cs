using Confluent.Kafka;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// Turns a validated <see cref="PipelineConfig"/> into Confluent.Kafka client configs. The one place that knows
/// how our YAML keys map onto librdkafka properties; producer, consumer and admin configs all start from the same
/// connection settings (<see cref="CreateClientConfig"/>).
/// </summary>
public sealed class KafkaClientConfigFactory
{
    // librdkafka's default receive.message.max.bytes; raised only when fetch.max.bytes needs more.
    private const int DefaultReceiveMessageMaxBytes = 100_000_000;

    // librdkafka requires receive.message.max.bytes >= fetch.max.bytes + 512 (room for the protocol framing).
    private const int FetchResponseOverheadBytes = 512;

    private readonly PipelineConfig _config;
    private readonly string _bootstrapServers;

    /// <param name="config">A configuration that passed <see cref="PipelineConfigValidator"/>.</param>
    /// <param name="bootstrapServersOverride">Bootstrap list to use instead of <c>kafka.bootstrap_servers</c>: the
    /// host passes the embedded broker's actual address when it bound port 0.</param>
    public KafkaClientConfigFactory(PipelineConfig config, string? bootstrapServersOverride = null)
    {
        _config = config;
        _bootstrapServers = string.IsNullOrWhiteSpace(bootstrapServersOverride)
            ? config.Kafka.BootstrapServers
            : bootstrapServersOverride;
    }

    /// <summary>Connection settings shared by every client: bootstrap, security, SASL, SSL, connect timeout.</summary>
    public ClientConfig CreateClientConfig()
    {
        var kafka = _config.Kafka;
        var client = new ClientConfig
        {
            BootstrapServers = _bootstrapServers,
            SecurityProtocol = kafka.SecurityProtocol,
            // A broker that cannot finish TCP + TLS + SASL within the start-up timeout counts as unreachable.
            SocketConnectionSetupTimeoutMs = _config.Broker.StartupTimeoutSeconds * 1000,
        };

        // Unset optional values stay unset so librdkafka keeps its own defaults (e.g. the system CA store).
        // SASL settings only mean something with a SASL protocol; librdkafka warns about them otherwise.
        if (kafka.SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            client.SaslMechanism = kafka.SaslMechanism;
            SetIfPresent(kafka.SaslUsername, value => client.SaslUsername = value);
            SetIfPresent(kafka.SaslPassword, value => client.SaslPassword = value);
        }

        SetIfPresent(kafka.SslCaFile, value => client.SslCaLocation = value);
        SetIfPresent(kafka.SslCertFile, value => client.SslCertificateLocation = value);
        SetIfPresent(kafka.SslKeyFile, value => client.SslKeyLocation = value);
        SetIfPresent(kafka.SslPassword, value => client.SslKeyPassword = value);
        return client;
    }

    /// <summary>Producer settings from <c>producer:</c>; idempotent with acks=all unless configured otherwise.</summary>
    public ProducerConfig CreateProducerConfig()
    {
        var producer = _config.Producer;
        return new ProducerConfig(CreateClientConfig())
        {
            Acks = producer.Acks,
            MessageSendMaxRetries = producer.Retries,
            BatchSize = producer.BatchSize,
            LingerMs = producer.LingerMs,
            // The original counts bytes, librdkafka KiB; round up so the buffer is never smaller than asked.
            QueueBufferingMaxKbytes = checked((int)((producer.BufferMemory + 1023) / 1024)),
            CompressionType = producer.CompressionType,
            MessageMaxBytes = producer.MaxRequestSize,
            RequestTimeoutMs = producer.RequestTimeoutMs,
            MessageTimeoutMs = producer.DeliveryTimeoutMs,
            EnableIdempotence = producer.EnableIdempotence,
        };
    }

    /// <summary>Consumer settings from <c>consumer:</c>. Offsets are never stored automatically: the caller stores
    /// each offset after handling its message (at-least-once), and <c>enable_auto_commit</c> only decides whether
    /// the client commits those stored offsets in the background.</summary>
    /// <param name="groupId">A stage's own group; null uses <c>consumer.group_id</c>.</param>
    public ConsumerConfig CreateConsumerConfig(string? groupId = null)
    {
        var consumer = _config.Consumer;
        return new ConsumerConfig(CreateClientConfig())
        {
            GroupId = groupId ?? consumer.GroupId,
            AutoOffsetReset = consumer.AutoOffsetReset,
            EnableAutoCommit = consumer.EnableAutoCommit,
            AutoCommitIntervalMs = consumer.AutoCommitIntervalMs,
            EnableAutoOffsetStore = false,
            SessionTimeoutMs = consumer.SessionTimeoutMs,
            HeartbeatIntervalMs = consumer.HeartbeatIntervalMs,
            FetchWaitMaxMs = consumer.FetchMaxWaitMs,
            FetchMinBytes = consumer.FetchMinBytes,
            FetchMaxBytes = consumer.FetchMaxBytes,
            ReceiveMessageMaxBytes = Math.Max(DefaultReceiveMessageMaxBytes, consumer.FetchMaxBytes + FetchResponseOverheadBytes),
            // A handler that exceeds the processing timeout makes the member leave the group, so its partitions
            // move to a healthy member instead of stalling.
            MaxPollIntervalMs = _config.Performance.ProcessingTimeoutSeconds * 1000,
        };
    }

    /// <summary>Admin settings for topic creation and health checks: requests give up after the start-up timeout
    /// rather than librdkafka's 60 s, so an unreachable broker is reported promptly.</summary>
    public AdminClientConfig CreateAdminClientConfig() =>
        new(CreateClientConfig())
        {
            SocketTimeoutMs = _config.Broker.StartupTimeoutSeconds * 1000,
        };

    private static void SetIfPresent(string? value, Action<string> set)
    {
        if (!string.IsNullOrEmpty(value))
        {
            set(value);
        }
    }
}
