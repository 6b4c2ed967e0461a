using Confluent.Kafka;
using YamlDotNet.Serialization;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>kafka:</c> section: where the cluster is and how to authenticate. Every client the pipeline creates
/// (producer, consumer, admin) shares these settings through <see cref="KafkaClientConfigFactory"/>.
/// </summary>
public sealed class KafkaOptions
{
    /// <summary>Comma-separated <c>host:port</c> list the clients bootstrap from. <c>KAFKA_BOOTSTRAP_SERVERS</c> overrides it.
    /// <value>Default <c>localhost:9092</c>, where the embedded broker listens by default.</value></summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Transport and authentication: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. <c>KAFKA_SECURITY_PROTOCOL</c> overrides it.
    /// <value>Default <see cref="Confluent.Kafka.SecurityProtocol.Plaintext"/>.</value></summary>
    public SecurityProtocol SecurityProtocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary>SASL mechanism used when <see cref="SecurityProtocol"/> is SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512;
    /// ignored by the client otherwise. <value>Default <see cref="Confluent.Kafka.SaslMechanism.Plain"/>.</value></summary>
    public SaslMechanism? SaslMechanism { get; set; } = Confluent.Kafka.SaslMechanism.Plain;

    /// <summary>SASL user name; required with a SASL_* protocol. <value>Default none.</value></summary>
    public string? SaslUsername { get; set; }

    /// <summary>SASL password; required with a SASL_* protocol. Never echoed in error messages. <value>Default none.</value></summary>
    public string? SaslPassword { get; set; }

    /// <summary>PEM file of the CA that signed the brokers' certificates (ssl.ca.location). Relative paths resolve
    /// against the working directory. <value>Default none: the system trust store.</value></summary>
    [YamlMember(Alias = "ssl_cafile")]
    public string? SslCaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS (ssl.certificate.location); needs <see cref="SslKeyFile"/>. <value>Default none.</value></summary>
    [YamlMember(Alias = "ssl_certfile")]
    public string? SslCertFile { get; set; }

    /// <summary>PEM private key of <see cref="SslCertFile"/> (ssl.key.location). <value>Default none.</value></summary>
    [YamlMember(Alias = "ssl_keyfile")]
    public string? SslKeyFile { get; set; }

    /// <summary>Password of <see cref="SslKeyFile"/> (ssl.key.password). Never echoed in error messages. <value>Default none.</value></summary>
    public string? SslPassword { get; set; }
}
