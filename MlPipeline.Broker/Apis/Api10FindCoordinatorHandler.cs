// FindCoordinator (key 10), versions 0–2 (v3 is the first flexible version).
//
// Behaviour: this single node coordinates every group (and would every transactional id), so the answer
// is always this node's id, host and port from BrokerIdentity. librdkafka then opens a second
// connection to it for group traffic. An unknown key_type (v1+; 0 group, 1 transaction) → INVALID_REQUEST.
//
// Per-version notes:
//   v1: request + key_type; response + throttle_time_ms and error_message (nullable).
//   v2: same as v1.
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;

namespace MlPipeline.Broker.Apis;

public sealed class Api10FindCoordinatorHandler(BrokerIdentity identity) : IApiHandler
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public ApiKey ApiKey => ApiKey.FindCoordinator;
    public short MinVersion => 0;
    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        short version = request.Version;
        var reader = new KafkaReader(request.Body.Span);
        reader.ReadString(); // key: any group or transactional id maps to this node
        sbyte keyType = version >= 1 ? reader.ReadInt8() : GroupKeyType;
        bool known = keyType is GroupKeyType or TransactionKeyType;

        if (version >= 1) response.WriteInt32(0); // throttle_time_ms
        response.WriteInt16(known ? ErrorCode.None : ErrorCode.InvalidRequest);
        if (version >= 1) response.WriteNullableString(known ? null : $"unknown coordinator key type {keyType}");
        response.WriteInt32(known ? identity.NodeId : -1);
        response.WriteString(known ? identity.Host : "");
        response.WriteInt32(known ? identity.Port : -1);
        return ValueTask.FromResult(true);
    }
}
