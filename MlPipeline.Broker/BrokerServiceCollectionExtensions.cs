using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlPipeline.Broker.Apis;
using MlPipeline.Broker.Groups;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Records;

namespace MlPipeline.Broker;

/// <summary>DI registration of the broker: everything <see cref="BrokerServer"/> composes.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// The whole broker minus the listener: options, identity, storage, group coordinator and every API
    /// handler. The caller supplies a <see cref="TimeProvider"/> and logging.
    /// </summary>
    public static IServiceCollection AddBrokerCore(this IServiceCollection services, BrokerOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<BrokerIdentity>();
        services.AddBrokerStorage(options);
        services.AddBrokerGroups();
        services.AddBrokerApis();
        return services;
    }

    /// <summary>
    /// The topic/produce/fetch side: topic registry, producer ids, the handler registry and the handlers
    /// of APIs 0–3, 18–20, 22, 23, 32 and 37. Group APIs are added by AddBrokerGroups.
    /// </summary>
    public static IServiceCollection AddBrokerApis(this IServiceCollection services)
    {
        services.TryAddSingleton<TopicConfigFactory>();
        services.TryAddSingleton<TopicRegistry>();
        services.TryAddSingleton<ProducerIdSource>();
        services.TryAddSingleton<ProducerIdAllocator>();
        services.TryAddSingleton<DecompressionCounter>();
        services.TryAddSingleton<ApiHandlerRegistry>();
        services.AddSingleton<IApiHandler, Api00ProduceHandler>();
        services.AddSingleton<IApiHandler, Api01FetchHandler>();
        services.AddSingleton<IApiHandler, Api02ListOffsetsHandler>();
        services.AddSingleton<IApiHandler, Api03MetadataHandler>();
        services.AddSingleton<IApiHandler, Api18ApiVersionsHandler>();
        services.AddSingleton<IApiHandler, Api19CreateTopicsHandler>();
        services.AddSingleton<IApiHandler, Api20DeleteTopicsHandler>();
        services.AddSingleton<IApiHandler, Api22InitProducerIdHandler>();
        services.AddSingleton<IApiHandler, Api23OffsetForLeaderEpochHandler>();
        services.AddSingleton<IApiHandler, Api32DescribeConfigsHandler>();
        services.AddSingleton<IApiHandler, Api37CreatePartitionsHandler>();
        return services;
    }
}
