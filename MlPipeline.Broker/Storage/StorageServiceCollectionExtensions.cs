using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Storage.Files;

namespace MlPipeline.Broker.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the broker's <see cref="ILogStore"/> — on disk when <see cref="BrokerOptions.DataDirectory"/>
    /// is set, else in memory — and its committed-offset store as <see cref="IGroupOffsetStore"/>.
    /// </summary>
    public static IServiceCollection AddBrokerStorage(this IServiceCollection services, BrokerOptions options)
    {
        if (options.DataDirectory is null)
            services.AddSingleton<ILogStore, InMemoryLogStore>();
        else
            services.AddSingleton<ILogStore>(_ => new FileLogStore(options));
        services.AddSingleton<IGroupOffsetStore>(sp => sp.GetRequiredService<ILogStore>().Offsets);
        return services;
    }
}
