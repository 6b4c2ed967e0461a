using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>One message as read back from the broker.</summary>
public sealed record StoredMessage(int Partition, long Offset, string Key, string Value);

/// <summary>Writes acknowledged messages, and reads a topic back with a plain (group-less, assigned) consumer.</summary>
public static class TopicContents
{
    /// <summary>
    /// Produces messages <paramref name="first"/>.. with key "{prefix}-k{i}" and value "{prefix}-value-{i}…" (acks=all,
    /// idempotent), to partition i % <paramref name="spreadOverPartitions"/> when given (else the partitioner's
    /// choice), and returns each where the broker acknowledged it, ordered by partition then offset.
    /// </summary>
    public static List<StoredMessage> ProduceAcknowledged(
        string bootstrapServers, string topic, string prefix, int first, int count, int? spreadOverPartitions = null)
    {
        var acknowledged = new List<StoredMessage>();
        var failures = new List<string>();
        using (var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(bootstrapServers)))
        {
            for (int i = first; i < first + count; i++)
            {
                var destination = spreadOverPartitions is int partitions ? new TopicPartition(topic, i % partitions) : new TopicPartition(topic, Partition.Any);
                producer.Produce(destination, new Message<string, string> { Key = $"{prefix}-k{i}", Value = $"{prefix}-value-{i}-{new string('v', i % 50)}" }, report =>
                {
                    // Delivery reports arrive on librdkafka's poll thread, while Flush runs on ours.
                    lock (acknowledged)
                    {
                        if (report.Error.IsError) failures.Add(report.Error.Reason);
                        else acknowledged.Add(new StoredMessage(report.Partition.Value, report.Offset.Value, report.Message.Key, report.Message.Value));
                    }
                });
            }
            Assert.That(producer.Flush(TimeSpan.FromSeconds(15)), Is.Zero, "messages still in flight after flush");
        }
        lock (acknowledged)
        {
            Assert.That(failures, Is.Empty, "delivery failures");
            return [.. acknowledged.OrderBy(m => m.Partition).ThenBy(m => m.Offset)];
        }
    }

    /// <summary>
    /// Every message of <paramref name="partitions"/> from the beginning, stopping once <paramref name="expected"/>
    /// arrived or after <paramref name="timeout"/>; ordered by partition then offset. A short result is the
    /// caller's assertion to make.
    /// </summary>
    public static List<StoredMessage> Read(string bootstrapServers, string topic, int partitions, int expected, TimeSpan timeout)
    {
        var messages = new List<StoredMessage>();
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + timeout;
        while (messages.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null || result.IsPartitionEOF) continue;
            messages.Add(new StoredMessage(result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value));
        }
        consumer.Close();
        return [.. messages.OrderBy(m => m.Partition).ThenBy(m => m.Offset)];
    }
}
