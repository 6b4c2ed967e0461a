using System.Buffers.Binary;
using System.Diagnostics;
using Confluent.Kafka;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// Produce-to-consume latency: a producer sends at a steady rate (a burst of the messages due every
/// millisecond), each value carrying its send time (Stopwatch ticks, same process so the same clock) and a
/// sequence number; a separate consumer, assigned before the first send, records receive time − send time.
/// The first second (or fifth of the run, if shorter) is discarded as warm-up. This is the time a pipeline
/// stage waits for its input: producer linger, the produce round trip, the broker waking the parked fetch,
/// and the consumer's queue.
/// </summary>
public sealed class EndToEndLatencyRun(string bootstrapServers, int partitions)
{
    private const int SendTicksOffset = 0;
    private const int SequenceOffset = 8;

    public async Task<Common.LatencySummary> RunAsync(string topic, int size, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        int total = (int)Math.Max(1, rate * duration.TotalSeconds);
        int warmUp = (int)Math.Min(rate, total / 5);
        var latencies = new long[total];
        var received = new bool[total];
        using var consumerAssigned = new ManualResetEventSlim();
        using var stopConsuming = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var consuming = Task.Factory.StartNew(
            () => Consume(topic, latencies, received, consumerAssigned, stopConsuming.Token),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Run(() => consumerAssigned.Wait(cancellationToken), cancellationToken);

        await ProduceAtRateAsync(topic, size, rate, total, cancellationToken);

        // Everything was acknowledged; allow the consumer a grace period to see the tail, then stop it.
        stopConsuming.CancelAfter(TimeSpan.FromSeconds(10));
        int count = await consuming;
        if (count < total)
            throw new InvalidOperationException($"latency {topic}: consumer saw {count} of {total} messages within 10 s of the last send");

        var measured = latencies[warmUp..];
        return Common.LatencySummary.FromTicks(measured, measured.Length);
    }

    private async Task ProduceAtRateAsync(string topic, int size, int rate, int total, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(KafkaClientSettings.LatencyProducer(bootstrapServers))
            .SetLogHandler((_, message) => KafkaClientSettings.LogWarnings(message))
            .Build();
        var targets = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, new Partition(p))).ToArray();
        var value = PayloadFactory.Create(size);
        var message = new Message<Null, byte[]> { Value = value };
        long failed = 0;
        void OnDelivered(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError) Interlocked.Increment(ref failed);
        }

        // A 1 ms tick: at moderate rates a few messages are due per tick; falling behind is caught up by the next.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        long started = Stopwatch.GetTimestamp();
        int sent = 0;
        while (sent < total)
        {
            long due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) + 1);
            for (; sent < due; sent++)
            {
                // The value array is copied by Produce(), so stamping the shared array per message is safe.
                BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(SendTicksOffset), Stopwatch.GetTimestamp());
                BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(SequenceOffset), sent);
                producer.Produce(targets[sent % targets.Length], message, OnDelivered);
            }
            await tick.WaitForNextTickAsync(cancellationToken);
        }
        producer.Flush(cancellationToken);
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"latency {topic}: {failed} sends failed");
    }

    private int Consume(string topic, long[] latencies, bool[] received, ManualResetEventSlim assigned, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(KafkaClientSettings.LatencyConsumer(bootstrapServers))
            .SetLogHandler((_, message) => KafkaClientSettings.LogWarnings(message))
            .Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), Offset.Beginning)));
        // Assign() is asynchronous inside librdkafka; a first empty poll lets it start fetching before the
        // producer begins, so the first messages do not include connection set-up.
        consumer.Consume(TimeSpan.FromMilliseconds(200));
        assigned.Set();
        int count = 0;
        try
        {
            while (count < latencies.Length)
            {
                var result = consumer.Consume(stop);
                long now = Stopwatch.GetTimestamp();
                var value = result.Message.Value;
                int sequence = BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(SequenceOffset));
                if (received[sequence]) continue; // at-least-once: a redelivery is not a second sample
                received[sequence] = true;
                latencies[sequence] = now - BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(SendTicksOffset));
                count++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The grace period ended with messages missing; the caller reports the shortfall.
        }
        finally
        {
            consumer.Close();
        }
        return count;
    }
}
