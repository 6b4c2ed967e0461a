using System.Diagnostics;
using Confluent.Kafka;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// Produce throughput: one idempotent acks=all producer sends N fixed-size messages round-robin over the
/// topic's partitions as fast as Produce() accepts them; the clock runs from the first Produce() until
/// Flush() returns, i.e. until the broker acknowledged every message. A warm-up topic is written first with
/// the same producer so JIT, connections and metadata are settled before the clock starts.
/// </summary>
public sealed class ProduceThroughputRun(string bootstrapServers, int partitions)
{
    public async Task<ThroughputResult> RunAsync(string warmUpTopic, int warmUpMessages, string topic, int messages, int size, CancellationToken cancellationToken)
    {
        // Produce() and Flush() block, so they get a thread of their own rather than a pool thread.
        return await Task.Factory.StartNew(() =>
        {
            using var producer = new ProducerBuilder<Null, byte[]>(KafkaClientSettings.ThroughputProducer(bootstrapServers))
                .SetLogHandler((_, message) => KafkaClientSettings.LogWarnings(message))
                .Build();
            ProduceAll(producer, warmUpTopic, warmUpMessages, size, cancellationToken);
            long started = Stopwatch.GetTimestamp();
            ProduceAll(producer, topic, messages, size, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            return new ThroughputResult(messages, (long)messages * size, elapsed);
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void ProduceAll(IProducer<Null, byte[]> producer, string topic, int messages, int size, CancellationToken cancellationToken)
    {
        var targets = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, new Partition(p))).ToArray();
        // librdkafka copies the value into its own buffer inside Produce(), so one array serves every message.
        var message = new Message<Null, byte[]> { Value = PayloadFactory.Create(size) };
        long delivered = 0, failed = 0;
        Error? firstError = null;
        void OnDelivered(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError && Interlocked.Increment(ref failed) == 1) firstError = report.Error;
            Interlocked.Increment(ref delivered);
        }

        for (int i = 0; i < messages; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (true)
            {
                try
                {
                    producer.Produce(targets[i % targets.Length], message, OnDelivered);
                    break;
                }
                catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The local queue is full: wait until the background poll thread retires some deliveries.
                    long seen = Interlocked.Read(ref delivered);
                    SpinWait.SpinUntil(() => Interlocked.Read(ref delivered) > seen, TimeSpan.FromMilliseconds(100));
                }
            }
        }
        producer.Flush(cancellationToken);
        SpinWait.SpinUntil(() => Interlocked.Read(ref delivered) == messages, TimeSpan.FromSeconds(10));
        if (Interlocked.Read(ref failed) > 0 || Interlocked.Read(ref delivered) != messages)
            throw new InvalidOperationException(
                $"produce to {topic}: {delivered} of {messages} delivered, {failed} failed (first error: {firstError?.Reason ?? "none"})");
    }
}
