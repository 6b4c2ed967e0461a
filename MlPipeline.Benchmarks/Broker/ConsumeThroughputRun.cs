using System.Diagnostics;
using Confluent.Kafka;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// Consume throughput: C consumers in assign mode (no group protocol, no commits) each read their share of
/// the topic's partitions from the beginning up to the high watermark taken before the clock starts. The
/// clock runs from the moment all are assigned until the last one has its last message. Each consumer first
/// reads the warm-up topic the same way, unmeasured. Every partition is checked to arrive complete and in
/// offset order, so a fast but lossy broker cannot post a good figure.
/// </summary>
public sealed class ConsumeThroughputRun(string bootstrapServers, int partitions, int consumers)
{
    /// <summary>How long a consumer may see no message before the run is declared stuck.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

    public async Task<ThroughputResult> RunAsync(string warmUpTopic, string topic, CancellationToken cancellationToken)
    {
        var shares = Enumerable.Range(0, consumers)
            .Select(c => Enumerable.Range(0, partitions).Where(p => p % consumers == c).ToArray())
            .ToArray();
        // All consumers start the measured read together, after each finished its warm-up.
        using var ready = new Barrier(consumers + 1);
        var reads = shares
            .Select((share, index) => Task.Factory.StartNew(
                () => ReadShare($"bench-consumer-{index}", warmUpTopic, topic, share, ready, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();

        await Task.Run(() => ready.SignalAndWait(cancellationToken), cancellationToken);
        long started = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(reads);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new ThroughputResult(results.Sum(r => r.Messages), results.Sum(r => r.ValueBytes), elapsed);
    }

    private (long Messages, long ValueBytes) ReadShare(
        string clientId, string warmUpTopic, string topic, int[] share, Barrier ready, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(KafkaClientSettings.ThroughputConsumer(bootstrapServers, clientId))
            .SetLogHandler((_, message) => KafkaClientSettings.LogWarnings(message))
            .Build();
        bool signalled = false;
        try
        {
            ReadToEnd(consumer, warmUpTopic, share, cancellationToken);
            var ends = HighWatermarks(consumer, topic, share);
            signalled = true;
            ready.SignalAndWait(cancellationToken);
            return ReadToEnd(consumer, topic, share, ends, cancellationToken);
        }
        catch when (!signalled)
        {
            // Failing before the start line must not leave the others waiting at it forever.
            ready.RemoveParticipant();
            throw;
        }
        finally
        {
            consumer.Close();
        }
    }

    private static (long Messages, long ValueBytes) ReadToEnd(IConsumer<Ignore, byte[]> consumer, string topic, int[] share, CancellationToken cancellationToken) =>
        ReadToEnd(consumer, topic, share, HighWatermarks(consumer, topic, share), cancellationToken);

    private static long[] HighWatermarks(IConsumer<Ignore, byte[]> consumer, string topic, int[] share) =>
        share.Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(p)), TimeSpan.FromSeconds(10)).High.Value).ToArray();

    private static (long Messages, long ValueBytes) ReadToEnd(
        IConsumer<Ignore, byte[]> consumer, string topic, int[] share, long[] ends, CancellationToken cancellationToken)
    {
        // next expected offset per partition of the share (index into share)
        var next = new long[share.Length];
        var slotOf = new Dictionary<int, int>();
        for (int i = 0; i < share.Length; i++) slotOf[share[i]] = i;
        int unfinished = ends.Count(end => end > 0);
        consumer.Assign(share.Select(p => new TopicPartitionOffset(topic, new Partition(p), Offset.Beginning)));

        long messages = 0, valueBytes = 0;
        long lastProgress = Stopwatch.GetTimestamp();
        while (unfinished > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                if (Stopwatch.GetElapsedTime(lastProgress) > StallTimeout)
                    throw new InvalidOperationException($"consume {topic}: no message for {StallTimeout.TotalSeconds} s, {messages} read so far");
                continue;
            }
            lastProgress = Stopwatch.GetTimestamp();
            int slot = slotOf[result.Partition.Value];
            long offset = result.Offset.Value;
            if (offset != next[slot])
                throw new InvalidOperationException($"consume {topic}[{result.Partition.Value}]: expected offset {next[slot]}, got {offset}");
            next[slot] = offset + 1;
            messages++;
            valueBytes += result.Message.Value.Length;
            if (next[slot] == ends[slot]) unfinished--;
        }
        consumer.Unassign();
        return (messages, valueBytes);
    }
}
