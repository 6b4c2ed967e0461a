using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlPipeline.Broker.Apis;

namespace MlPipeline.Broker.Groups;

public static class GroupsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the group coordinator and its API handlers (keys 8–16). The host must also register
    /// <see cref="BrokerOptions"/>, <see cref="State.BrokerIdentity"/>, <see cref="Storage.IGroupOffsetStore"/>
    /// and logging; <see cref="TimeProvider"/> defaults to the system clock unless registered earlier.
    /// The coordinator is a disposable singleton, so disposing the provider stops its timers.
    /// </summary>
    public static IServiceCollection AddBrokerGroups(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GroupCoordinator>();
        services.AddSingleton<IApiHandler, Api08OffsetCommitHandler>();
        services.AddSingleton<IApiHandler, Api09OffsetFetchHandler>();
        services.AddSingleton<IApiHandler, Api10FindCoordinatorHandler>();
        services.AddSingleton<IApiHandler, Api11JoinGroupHandler>();
        services.AddSingleton<IApiHandler, Api12HeartbeatHandler>();
        services.AddSingleton<IApiHandler, Api13LeaveGroupHandler>();
        services.AddSingleton<IApiHandler, Api14SyncGroupHandler>();
        services.AddSingleton<IApiHandler, Api15DescribeGroupsHandler>();
        services.AddSingleton<IApiHandler, Api16ListGroupsHandler>();
        return services;
    }
}
