using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Health;

/// <summary>What one produce/consume round trip showed.</summary>
/// <param name="Offset">Offset the probe record was written at (partition 0).</param>
/// <param name="Elapsed">From the send until the record was read back.</param>
public sealed record KafkaRoundTripResult(string Topic, long Offset, TimeSpan Elapsed);

/// <summary>
/// Proves a broker really stores and serves records: produces one uniquely valued record to partition 0 of a probe
/// topic with the pipeline's producer settings (idempotent, acks=all), then reads exactly that offset back. The
/// reader is assigned, never subscribed, so the probe joins no consumer group and commits nothing; the probe topic
/// is a separate one so no stage ever sees the record.
/// </summary>
public sealed class KafkaRoundTripProbe(ProducerConfig producerConfig, ConsumerConfig consumerConfig, ILogger<KafkaRoundTripProbe> logger)
{
    /// <exception cref="KafkaException">The record could not be written.</exception>
    /// <exception cref="TimeoutException">The record was written but not read back within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidDataException">A different value came back from the record's offset.</exception>
    public async Task<KafkaRoundTripResult> RunAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        var value = $"mlpipeline-roundtrip-{Guid.NewGuid():N}";
        var stopwatch = Stopwatch.StartNew();

        var config = new ProducerConfig(producerConfig.ToDictionary(pair => pair.Key, pair => pair.Value))
        {
            MessageTimeoutMs = (int)timeout.TotalMilliseconds,
        };
        using var producer = new ProducerBuilder<Null, string>(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, "roundtrip-producer", error))
            .Build();
        var delivered = await producer
            .ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = value }, cancellationToken)
            .ConfigureAwait(false);

        // The blocking Consume loop runs off the caller's thread.
        var read = await Task.Run(() => ReadBack(delivered.TopicPartitionOffset, timeout, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        if (read != value)
            throw new InvalidDataException($"{topic}[0]@{delivered.Offset.Value} returned '{read}' instead of the value just written");
        return new KafkaRoundTripResult(topic, delivered.Offset.Value, stopwatch.Elapsed);
    }

    private string ReadBack(TopicPartitionOffset written, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(consumerConfig.ToDictionary(pair => pair.Key, pair => pair.Value))
        {
            // Required by the client even though an assigned reader never joins it; a name of its own keeps the
            // pipeline's groups untouched.
            GroupId = "mlpipeline-roundtrip-probe",
            EnableAutoCommit = false,
            EnablePartitionEof = false,
        };
        using var consumer = new ConsumerBuilder<Ignore, string>(config)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, "roundtrip-consumer", error))
            .Build();
        consumer.Assign(written);
        var deadline = Stopwatch.StartNew();
        try
        {
            while (deadline.Elapsed < timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result && result.Offset == written.Offset)
                    return result.Message.Value;
            }
        }
        finally
        {
            consumer.Close();
        }

        throw new TimeoutException($"{written.Topic}[0]@{written.Offset.Value} was written but not read back within {timeout.TotalSeconds:0.#} s");
    }
}
