using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Apis;

// Fetch (key 1), versions 4–11 (v4 is the first with record batch v2 and last_stable_offset; v12 is flexible,
// v13+ needs topic ids).
//
// Long poll: when less than min_bytes is available the request is parked until an append to one of its
// partitions, a topic deletion, or max_wait_ms; answering empty at once would make librdkafka spin.
// Whole batches are returned starting with the one containing fetch_offset (clients skip earlier records),
// always at least one batch even over max_bytes. The response's record bytes are capped by the broker's
// fetch.max.bytes (BrokerOptions.FetchMaxBytes) whatever max_bytes asks, as Kafka does; max_bytes ≤ 0 means the cap. last_stable_offset = high watermark (no transactions, and
// librdkafka reads up to LSO under its default read_committed). Records are empty, never null: librdkafka
// cannot parse a -1 length. An offset outside [log start, high watermark] is OFFSET_OUT_OF_RANGE, which
// triggers auto.offset.reset. Leader epochs are always 0 here. A partition whose log cannot be read (I/O
// error) answers KAFKA_STORAGE_ERROR with no records; the other partitions of the fetch are unaffected.
//
// Per version: v5 adds log_start_offset; v7 adds the top-level error and session id (no fetch sessions:
// session 0 tells clients to send full requests) and forgotten topics; v9 adds current_leader_epoch;
// v11 adds rack_id and preferred_read_replica (-1). Below v10 a partition whose records include a zstd batch answers
// UNSUPPORTED_COMPRESSION_TYPE with no records, as Kafka does for consumers that predate zstd.
internal sealed class Api01FetchHandler(TopicRegistry topics, TimeProvider timeProvider, BrokerOptions options) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.Fetch;
    public short MinVersion => 4;
    public short MaxVersion => 11;

    public async ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var fetch = Parse(request);
        long started = timeProvider.GetTimestamp();
        var maxWait = TimeSpan.FromMilliseconds(Math.Max(0, fetch.MaxWaitMs));
        while (!IsReady(fetch))
        {
            var remaining = maxWait - timeProvider.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) break;
            // Arm the wake-up signals, then look again: an append between the first check and arming
            // would otherwise be missed until max_wait_ms. (Arming only here keeps the common
            // data-available path free of allocations.)
            var wakeUps = CollectWakeUps(fetch);
            if (wakeUps.Count == 0 || IsReady(fetch)) break;
            await WaitAsync(wakeUps, remaining, cancellationToken);
        }
        Write(fetch, request.Version, response);
        return true;
    }

    private FetchRequest Parse(ApiRequest request)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        reader.ReadInt32(); // replica_id: always a consumer (-1) here
        int maxWaitMs = reader.ReadInt32();
        int minBytes = reader.ReadInt32();
        int maxBytes = reader.ReadInt32();
        reader.ReadInt8(); // isolation_level: no transactions, so both levels read up to the high watermark
        if (version >= 7)
        {
            reader.ReadInt32(); // session_id
            reader.ReadInt32(); // session_epoch
        }
        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        var fetchTopics = new FetchTopic[Math.Max(topicCount, 0)];
        for (int t = 0; t < fetchTopics.Length; t++)
        {
            string name = reader.ReadString();
            topics.TryGetTopic(name, out var topic);
            int partitionCount = reader.ReadArrayCount(minElementSize: 16); // v4: partition, fetch_offset, partition_max_bytes
            var partitions = new FetchPartition[Math.Max(partitionCount, 0)];
            for (int p = 0; p < partitions.Length; p++)
            {
                int index = reader.ReadInt32();
                int currentLeaderEpoch = version >= 9 ? reader.ReadInt32() : -1;
                long fetchOffset = reader.ReadInt64();
                if (version >= 5) reader.ReadInt64(); // log_start_offset: only followers send it
                int partitionMaxBytes = reader.ReadInt32();
                partitions[p] = new FetchPartition(index, topic?.GetPartition(index), currentLeaderEpoch, fetchOffset, partitionMaxBytes);
            }
            fetchTopics[t] = new FetchTopic(name, partitions);
        }
        // forgotten_topics_data (v7+) and rack_id (v11+) only matter to fetch sessions and rack-aware
        // replica selection, neither of which a single node has.
        // A request cannot ask for more than the broker's cap, nor (with ≤ 0) for no limit at all.
        int cappedMaxBytes = maxBytes <= 0 ? options.FetchMaxBytes : Math.Min(maxBytes, options.FetchMaxBytes);
        return new FetchRequest(maxWaitMs, Math.Max(1, minBytes), cappedMaxBytes, fetchTopics);
    }

    private static List<Task> CollectWakeUps(FetchRequest fetch)
    {
        var wakeUps = new List<Task>();
        foreach (var topic in fetch.Topics)
            foreach (var partition in topic.Partitions)
                if (partition.State is { } state) wakeUps.Add(state.WaitForDataAsync());
        return wakeUps;
    }

    /// <summary>
    /// True when the fetch should be answered now: an error to report, or at least min_bytes available.
    /// The byte count is estimated from the partition's average batch density rather than read, so a parked
    /// fetch costs nothing per wake-up; min_bytes is a hint in Kafka too.
    /// </summary>
    private static bool IsReady(FetchRequest fetch)
    {
        long available = 0;
        foreach (var topic in fetch.Topics)
            foreach (var partition in topic.Partitions)
            {
                if (partition.State is not { IsClosed: false } state) return true;
                if (CheckPartition(partition, state) != ErrorCode.None) return true;
                var log = state.Log;
                long end = log.LogEndOffset, start = log.LogStartOffset;
                if (partition.FetchOffset >= end) continue;
                long offsets = end - Math.Max(partition.FetchOffset, start);
                available += Math.Max(1, log.SizeInBytes * offsets / Math.Max(1, end - start));
                if (available >= fetch.MinBytes) return true;
            }
        return false;
    }

    private static ErrorCode CheckPartition(in FetchPartition partition, PartitionState state)
    {
        // Every partition has leader epoch 0; -1 means the client does not track epochs.
        if (partition.CurrentLeaderEpoch > 0) return ErrorCode.UnknownLeaderEpoch;
        if (partition.CurrentLeaderEpoch < -1) return ErrorCode.FencedLeaderEpoch;
        var log = state.Log;
        if (partition.FetchOffset < log.LogStartOffset || partition.FetchOffset > log.LogEndOffset) return ErrorCode.OffsetOutOfRange;
        return ErrorCode.None;
    }

    private async Task WaitAsync(List<Task> wakeUps, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, timeProvider, timerCancellation.Token);
        await Task.WhenAny(Task.WhenAny(wakeUps), timer);
        await timerCancellation.CancelAsync(); // release the timer when data arrived first
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void Write(FetchRequest fetch, short version, KafkaWriter response)
    {
        response.WriteInt32(0); // throttle_time_ms
        if (version >= 7)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(0); // session_id: sessions are not supported, so clients send full fetches
        }
        long budget = fetch.MaxBytes;
        bool anyRecords = false;
        response.WriteArrayCount(fetch.Topics.Length);
        foreach (var topic in fetch.Topics)
        {
            response.WriteString(topic.Name);
            response.WriteArrayCount(topic.Partitions.Length);
            foreach (var partition in topic.Partitions)
                budget -= WritePartition(partition, version, budget, ref anyRecords, response);
        }
    }

    /// <summary>Writes one partition's answer; returns the record bytes it included.</summary>
    private static int WritePartition(in FetchPartition partition, short version, long budget, ref bool anyRecords, KafkaWriter response)
    {
        var state = partition.State;
        var error = state is null || state.IsClosed ? ErrorCode.UnknownTopicOrPartition : CheckPartition(partition, state);
        long highWatermark = -1, logStart = -1;
        if (error == ErrorCode.None)
        {
            highWatermark = state!.Log.LogEndOffset;
            logStart = state.Log.LogStartOffset;
        }
        response.WriteInt32(partition.Index);
        int errorPosition = response.Length; // a storage error is only known after the read
        response.WriteInt16(error);
        response.WriteInt64(highWatermark);
        response.WriteInt64(highWatermark); // last_stable_offset = high watermark: nothing is ever uncommitted
        if (version >= 5) response.WriteInt64(logStart);
        response.WriteArrayCount(0); // aborted_transactions: empty, not null
        if (version >= 11) response.WriteInt32(-1); // preferred_read_replica: read from the leader (us)

        int lengthPosition = response.ReserveInt32();
        int written = 0;
        // After the first batch of the response, stop once the response budget is spent (Kafka's max_bytes rule).
        if (error == ErrorCode.None && partition.FetchOffset < highWatermark && (!anyRecords || budget > 0))
        {
            int limit = (int)Math.Min(partition.MaxBytes, Math.Max(0, budget));
            try
            {
                if (state!.TryRead(partition.FetchOffset, limit, response, out written) != ErrorCode.None)
                {
                    // The disk failed (KAFKA_STORAGE_ERROR, which clients retry): no records, whatever was copied.
                    response.Truncate(lengthPosition + 4);
                    response.PatchInt16(errorPosition, (short)ErrorCode.KafkaStorageError);
                    written = 0;
                }
                else if (version < FirstZstdVersion && HoldsZstd(response.WrittenSpan.Slice(lengthPosition + 4, written)))
                {
                    // As Kafka: a consumer too old to ask for zstd cannot decode it, so it gets an error, not the batch.
                    response.Truncate(lengthPosition + 4);
                    response.PatchInt16(errorPosition, (short)ErrorCode.UnsupportedCompressionType);
                    written = 0;
                }
            }
            catch (ObjectDisposedException) when (state!.IsClosed)
            {
                // Deleted while we were reading: a half-copied batch must not reach the client, so report none.
                response.Truncate(lengthPosition + 4);
                written = 0;
            }
            anyRecords |= written > 0;
        }
        response.PatchInt32(lengthPosition, written); // records: 0-length when empty, never -1
        return written;
    }

    /// <summary>The first Fetch version whose clients can read zstd batches (KIP-110).</summary>
    private const short FirstZstdVersion = 10;

    /// <summary>True when a batch among <paramref name="batches"/> (whole batches, as the log copied them) is zstd; headers only.</summary>
    private static bool HoldsZstd(ReadOnlySpan<byte> batches)
    {
        while (batches.Length >= RecordBatchHeader.Size)
        {
            var header = RecordBatchHeader.Parse(batches);
            if (header.Codec == CompressionCodec.Zstd) return true;
            if (header.TotalSize < RecordBatchHeader.Size || header.TotalSize > batches.Length) return false;
            batches = batches[header.TotalSize..];
        }
        return false;
    }

    private sealed record FetchRequest(int MaxWaitMs, int MinBytes, int MaxBytes, FetchTopic[] Topics);

    private sealed record FetchTopic(string Name, FetchPartition[] Partitions);

    private readonly record struct FetchPartition(int Index, PartitionState? State, int CurrentLeaderEpoch, long FetchOffset, int MaxBytes);
}
