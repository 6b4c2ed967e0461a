using System.Text;
using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>Every record a topic holds right now (all partitions, up to their high watermarks), read by a plain client.</summary>
internal static class TopicSnapshot
{
    public static IReadOnlyList<ConsumeResult<string, string>> Read(string bootstrapServers, string topic, TimeSpan timeout)
    {
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(bootstrapServers));
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));

        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        var next = partitions.ToDictionary(p => p.Partition.Value, _ => 0L);
        while (next.Any(pair => pair.Value < ends[pair.Key]))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{topic} was not read to its end within {timeout}");
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                next[record.Partition.Value] = record.Offset.Value + 1;
                if (record.Offset.Value < ends[record.Partition.Value])
                    records.Add(record);
            }
        }

        return records;
    }

    public static string? Header(this ConsumeResult<string, string> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
