using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Broker.Apis;

// ApiVersions (key 18), versions 0–2 (v3 is flexible).
//
// Advertises exactly the ranges of the registered handlers (ApiHandlerRegistry), never an API we do not
// implement. librdkafka opens with a v3 request (header v2). We answer it the way Apache Kafka answers an
// unsupported ApiVersions version: response header v0 and a v0-layout body with UNSUPPORTED_VERSION (35)
// and the single entry {18, 0, 2}, no throttle field. librdkafka cannot parse that range with its flexible
// decoder but sees error 35 and retries at v0, then negotiates everything else from the v0 answer.
//
// Per version: v1 adds throttle_time_ms (after the array).
internal sealed class Api18ApiVersionsHandler(IServiceProvider services) : IApiHandler
{
    // Resolved on first use: the registry is built from every IApiHandler, this one included.
    private readonly Lazy<ApiHandlerRegistry> _registry = new(services.GetRequiredService<ApiHandlerRegistry>);

    public ApiKey ApiKey => ApiKey.ApiVersions;
    public short MinVersion => 0;
    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(ApiRequest request, KafkaWriter response, CancellationToken cancellationToken)
    {
        // The request body (v3's client software name/version) is irrelevant, so it is not parsed at all.
        if (request.Version > MaxVersion || request.Version < MinVersion)
        {
            response.WriteInt16(ErrorCode.UnsupportedVersion);
            response.WriteArrayCount(1);
            response.WriteInt16((short)ApiKey);
            response.WriteInt16(MinVersion);
            response.WriteInt16(MaxVersion);
            return ValueTask.FromResult(true);
        }

        var handlers = _registry.Value.Handlers;
        response.WriteInt16(ErrorCode.None);
        response.WriteArrayCount(handlers.Count);
        foreach (var handler in handlers)
        {
            response.WriteInt16((short)handler.ApiKey);
            response.WriteInt16(handler.MinVersion);
            response.WriteInt16(handler.MaxVersion);
        }
        if (request.Version >= 1) response.WriteInt32(0); // throttle_time_ms
        return ValueTask.FromResult(true);
    }
}
