using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>One message as read back from the broker.</summary>
public sealed record StoredMessage(int Partition, long Offset, string Key, string Value);

/// <summary>Reads a topic back with a plain (group-less, assigned) Confluent consumer.</summary>
public static class TopicContents
{
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
