using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Apis;

// Produce (key 0), versions 3–8 (v3 is the first with record batch v2; v9 is flexible).
//
// Each partition's records must be exactly one valid v2 batch (RecordBatchValidator, against the topic's
// max.message.bytes): header, CRC and every record, decompressed under that bound. It is appended as received,
// with only baseOffset rewritten. Idempotent batches go through the partition's producer state (duplicates
// succeed with their original offset). acks must be -1, 0 or 1; with one node acks=all is met by the append
// itself. acks=0 gets no response at all. Unknown topics answer UNKNOWN_TOPIC_OR_PARTITION: auto-creation
// happens in Metadata, which producers always ask first.
//
// The whole request is decoded before any partition is touched: a request that fails to decode half-way closes
// the connection (as Kafka does for an undecodable request) having written nothing, so a client that retries it
// cannot write its first partitions twice.
//
// Per version: v3 adds transactional_id; v5 adds log_start_offset; v7 is the first that may carry zstd batches
// (older versions answer UNSUPPORTED_COMPRESSION_TYPE, as Kafka, since their clients predate zstd); v8 adds
// record_errors (the index of the record that failed validation, when one record is at fault) and
// error_message (null on success). Throttle time comes last in this response.
internal sealed class Api00ProduceHandler(TopicRegistry topics, DecompressionCounter decompressions) : IApiHandler
{
    /// <summary>The first Produce version whose clients may send zstd (KIP-110).</summary>
    private const short FirstZstdVersion = 7;

    public ApiKey ApiKey => ApiKey.Produce;
    public short MinVersion => 3;
    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        // First pass: decode everything, touch nothing; a ProtocolException here closes the connection.
        SkipWholeRequest(request.Body.Span);

        var reader = new KafkaReader(request.Body.Span);
        reader.ReadNullableString(); // transactional_id: transactions are not supported, batches are treated as idempotent
        short acks = reader.ReadInt16();
        reader.ReadInt32(); // timeout_ms: the append is synchronous
        bool validAcks = acks is -1 or 0 or 1;

        // The response mirrors the request, so it is written while reading (no per-partition objects).
        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        response.WriteArrayCount(Math.Max(topicCount, 0));
        for (int t = 0; t < topicCount; t++)
        {
            string name = reader.ReadString();
            topics.TryGetTopic(name, out var topic);
            response.WriteString(name);
            int partitionCount = reader.ReadArrayCount(minElementSize: 8);
            response.WriteArrayCount(Math.Max(partitionCount, 0));
            for (int p = 0; p < partitionCount; p++)
            {
                int index = reader.ReadInt32();
                var records = reader.ReadBytesSpan();
                var partition = topic?.GetPartition(index);
                var result = !validAcks ? new AppendResult(ErrorCode.InvalidRequiredAcks, $"acks must be -1, 0 or 1, was {acks}")
                    : partition is null ? new AppendResult(ErrorCode.UnknownTopicOrPartition, null)
                    : Append(partition, records, version);

                response.WriteInt32(index);
                response.WriteInt16(result.Error);
                response.WriteInt64(result.BaseOffset);
                response.WriteInt64(-1); // log_append_time: batches keep CreateTime
                if (version >= 5) response.WriteInt64(partition is null || partition.IsClosed ? -1 : partition.Log.LogStartOffset);
                if (version >= 8)
                {
                    // record_errors: one entry naming the record at fault, as Kafka's RecordValidationException does.
                    response.WriteArrayCount(result.BadRecordIndex >= 0 ? 1 : 0);
                    if (result.BadRecordIndex >= 0)
                    {
                        response.WriteInt32(result.BadRecordIndex);
                        response.WriteNullableString(result.Message);
                    }
                    response.WriteNullableString(result.Error == ErrorCode.None ? null : result.Message);
                }
            }
        }
        response.WriteInt32(0); // throttle_time_ms
        return ValueTask.FromResult(acks != 0);
    }

    /// <summary>Reads the request to its end, so that a malformed one is refused before any partition changes.</summary>
    private static void SkipWholeRequest(ReadOnlySpan<byte> body)
    {
        var reader = new KafkaReader(body);
        reader.ReadNullableString();
        reader.ReadInt16();
        reader.ReadInt32();
        int topicCount = reader.ReadArrayCount(minElementSize: 6);
        for (int t = 0; t < topicCount; t++)
        {
            reader.ReadString();
            int partitionCount = reader.ReadArrayCount(minElementSize: 8);
            for (int p = 0; p < partitionCount; p++)
            {
                reader.ReadInt32();
                reader.ReadBytesSpan();
            }
        }
    }

    private AppendResult Append(PartitionState partition, ReadOnlySpan<byte> records, short version)
    {
        // The codec bits are checked before the records are decoded: a pre-zstd client version never gets zstd decoded.
        if (version < FirstZstdVersion && records.Length >= RecordBatchHeader.Size
            && (sbyte)records[RecordBatchHeader.MagicPosition] == RecordBatchHeader.CurrentMagic
            && RecordBatchHeader.Parse(records).Codec == CompressionCodec.Zstd)
            return new AppendResult(ErrorCode.UnsupportedCompressionType, $"zstd needs Produce v{FirstZstdVersion} or later, this request is v{version}");
        var error = RecordBatchValidator.Validate(records, partition.Config.MaxMessageBytes, decompressions, out var header, out string? reason, out int badRecord);
        if (error != ErrorCode.None) return new AppendResult(error, reason, BadRecordIndex: badRecord);
        var (appendError, baseOffset) = partition.Append(records, header);
        return new AppendResult(appendError, appendError == ErrorCode.None ? null : $"append rejected: {appendError}", baseOffset);
    }

    private readonly record struct AppendResult(ErrorCode Error, string? Message, long BaseOffset = -1, int BadRecordIndex = -1);
}
