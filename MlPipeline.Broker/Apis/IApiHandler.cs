using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

/// <summary>
/// Handles one Kafka API. Each handler declares its key and the version range it implements; the
/// server collects every registered handler from DI and advertises exactly those ranges in ApiVersions.
/// </summary>
public interface IApiHandler
{
    ApiKey ApiKey { get; }
    short MinVersion { get; }
    short MaxVersion { get; }

    /// <summary>
    /// Decodes <see cref="ApiRequest.Body"/> and writes the response body (everything after the response
    /// header) into <paramref name="response"/>. Returns false when the protocol says no response is
    /// sent at all (Produce with acks=0). Throws <see cref="ProtocolException"/> for undecodable input.
    /// </summary>
    ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken);
}
