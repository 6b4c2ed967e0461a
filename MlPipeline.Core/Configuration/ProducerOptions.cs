using Confluent.Kafka;

namespace MlPipeline.Core.Configuration;

/// <summary>The <c>producer:</c> section, mapped onto a Confluent.Kafka <see cref="ProducerConfig"/>.</summary>
public sealed class ProducerOptions
{
    /// <summary>How many replicas must have a record before the send succeeds: 0, 1 or all (acks).
    /// <value>Default <see cref="Confluent.Kafka.Acks.All"/>.</value></summary>
    public Acks Acks { get; set; } = Acks.All;

    /// <summary>Times the client re-sends a failed batch (message.send.max.retries); at least 1 with idempotence.
    /// <value>Default 3.</value></summary>
    public int Retries { get; set; } = 3;

    /// <summary>Largest batch per partition in bytes (batch.size). <value>Default 16384.</value></summary>
    public int BatchSize { get; set; } = 16_384;

    /// <summary>Milliseconds to wait for a batch to fill before sending (linger.ms). <value>Default 5.</value></summary>
    public int LingerMs { get; set; } = 5;

    /// <summary>Bytes the client may hold unsent; mapped to queue.buffering.max.kbytes (rounded up to whole KiB).
    /// <value>Default 33554432 (32 MiB).</value></summary>
    public long BufferMemory { get; set; } = 33_554_432;

    /// <summary>Batch compression: none, gzip, snappy, lz4 or zstd (compression.type). <value>Default snappy.</value></summary>
    public CompressionType CompressionType { get; set; } = CompressionType.Snappy;

    /// <summary>Largest request/message in bytes (message.max.bytes). <value>Default 1048576 (1 MiB).</value></summary>
    public int MaxRequestSize { get; set; } = 1_048_576;

    /// <summary>Milliseconds to wait for the broker to acknowledge (request.timeout.ms). <value>Default 30000.</value></summary>
    public int RequestTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Longest a send may take in all, retries included, before it fails with the reason (message.timeout.ms, Kafka's
    /// delivery.timeout.ms). librdkafka's own default is 300000: a caller (an HTTP request, a prediction result's
    /// retry, an ingestion's checkpoint) would wait five minutes to hear that the broker is gone. Must be at least
    /// linger_ms + request_timeout_ms, Kafka's rule, so one attempt always fits. <value>Default 120000 (Kafka's default).</value>
    /// </summary>
    public int DeliveryTimeoutMs { get; set; } = 120_000;

    /// <summary>
    /// Idempotent producer (enable.idempotence). Must be true with acks=all: our delivery rule is "acks=all and no
    /// duplicates", and acks=all alone still writes a batch twice when an acknowledgement is lost and the client
    /// retries; idempotence lets the broker drop that duplicate and keeps per-partition order across retries.
    /// librdkafka in turn refuses idempotence unless acks=all and retries ≥ 1. <value>Default true.</value>
    /// </summary>
    public bool EnableIdempotence { get; set; } = true;
}
