using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MlPipeline.Core.Configuration;

public static class ConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Registers an already loaded and validated <paramref name="config"/>: the root, each section as
    /// <see cref="IOptions{TOptions}"/>, and the <see cref="KafkaClientConfigFactory"/>. Loading happens before the
    /// container is built (see <see cref="PipelineConfigLoader.Load"/>) so a bad file stops start-up with its
    /// one-line errors instead of failing at first use.
    /// </summary>
    public static IServiceCollection AddPipelineConfiguration(this IServiceCollection services, PipelineConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton(Options.Create(config.Kafka));
        services.AddSingleton(Options.Create(config.Topics));
        services.AddSingleton(Options.Create(config.Producer));
        services.AddSingleton(Options.Create(config.Consumer));
        services.AddSingleton(Options.Create(config.SchemaRegistry));
        services.AddSingleton(Options.Create(config.Monitoring));
        services.AddSingleton(Options.Create(config.ErrorHandling));
        services.AddSingleton(Options.Create(config.Performance));
        services.AddSingleton(Options.Create(config.Broker));
        services.AddSingleton(Options.Create(config.Http));
        services.AddSingleton(Options.Create(config.Service));
        services.AddSingleton(Options.Create(config.Data));
        services.AddSingleton(Options.Create(config.Serving));
        services.AddSingleton(Options.Create(config.Training));
        services.AddSingleton(Options.Create(config.Alerts));
        services.AddSingleton(Options.Create(config.Auth));
        services.AddSingleton(Options.Create(config.RateLimits));
        services.AddSingleton(Options.Create(config.Logging));
        services.AddSingleton(new KafkaClientConfigFactory(config));
        return services;
    }
}
