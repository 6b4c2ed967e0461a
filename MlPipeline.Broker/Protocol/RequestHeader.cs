namespace MlPipeline.Broker.Protocol;

/// <summary>
/// Request header v1 (api_key, api_version, correlation_id, client_id). Every API this broker
/// advertises is capped below its first flexible version, so v2 headers (with tagged fields) only
/// appear on the ApiVersions v3 probe, which the ApiVersions handler answers without parsing further.
/// </summary>
public readonly record struct RequestHeader(ApiKey ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads the v1 header fields; the reader is left at the start of the body.</summary>
    public static RequestHeader Read(ref KafkaReader reader)
    {
        var apiKey = (ApiKey)reader.ReadInt16();
        short version = reader.ReadInt16();
        int correlationId = reader.ReadInt32();
        string? clientId = reader.ReadNullableString();
        return new RequestHeader(apiKey, version, correlationId, clientId);
    }
}
