using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker.Apis;

// Produce (key 0), versions 3–8 (v3 is the first with record batch v2; v9 is flexible).
//
// Each partition's records must be exactly one valid v2 batch (RecordBatchValidator, against the topic's
// max.message.bytes); it is appended as received, with only baseOffset rewritten. Idempotent batches go
// through the partition's producer state (duplicates succeed with their original offset). acks must be
// -1, 0 or 1; with one node acks=all is met by the append itself. acks=0 gets no response at all.
// Unknown topics answer UNKNOWN_TOPIC_OR_PARTITION: auto-creation happens in Metadata, which producers
// always ask first.
//
// Per version: v3 adds transactional_id; v5 adds log_start_offset; v8 adds record_errors (always empty)
// and error_message (null on success). Throttle time comes last in this response.
internal sealed class Api00ProduceHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.Produce;
    public short MinVersion => 3;
    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
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
                var (error, baseOffset, message) = !validAcks ? (ErrorCode.InvalidRequiredAcks, -1L, $"acks must be -1, 0 or 1, was {acks}")
                    : partition is null ? (ErrorCode.UnknownTopicOrPartition, -1L, null)
                    : Append(partition, records);

                response.WriteInt32(index);
                response.WriteInt16(error);
                response.WriteInt64(baseOffset);
                response.WriteInt64(-1); // log_append_time: batches keep CreateTime
                if (version >= 5) response.WriteInt64(partition is null || partition.IsClosed ? -1 : partition.Log.LogStartOffset);
                if (version >= 8)
                {
                    response.WriteArrayCount(0); // record_errors
                    response.WriteNullableString(error == ErrorCode.None ? null : message);
                }
            }
        }
        response.WriteInt32(0); // throttle_time_ms
        return ValueTask.FromResult(acks != 0);
    }

    private static (ErrorCode Error, long BaseOffset, string? Message) Append(PartitionState partition, ReadOnlySpan<byte> records)
    {
        var error = RecordBatchValidator.Validate(records, partition.Config.MaxMessageBytes, out var header, out string? reason);
        if (error != ErrorCode.None) return (error, -1, reason);
        var (appendError, baseOffset) = partition.Append(records, header);
        return (appendError, baseOffset, appendError == ErrorCode.None ? null : $"append rejected: {appendError}");
    }
}
