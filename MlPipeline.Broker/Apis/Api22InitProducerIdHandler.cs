using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

// InitProducerId (key 22), versions 0–1 (v2 is flexible; v3's epoch bump is transactional-only).
//
// Every call gets a fresh producer id with epoch 0; this is what librdkafka's idempotent producer needs
// (it bumps the epoch itself when it has to). Transactions are not supported: a transactional_id is
// ignored and the producer is treated as merely idempotent.
//
// Per version: v1 is identical on the wire.
internal sealed class Api22InitProducerIdHandler(ProducerIdAllocator producerIds) : IApiHandler
{
    public ApiKey ApiKey => ApiKey.InitProducerId;
    public short MinVersion => 0;
    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body.Span);
        reader.ReadNullableString(); // transactional_id
        reader.ReadInt32(); // transaction_timeout_ms

        response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(ErrorCode.None);
        response.WriteInt64(producerIds.Next());
        response.WriteInt16((short)0); // producer_epoch
        return ValueTask.FromResult(true);
    }
}
