using Confluent.SchemaRegistry;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.SchemaRegistry;

namespace MlPipeline.Host.Hosting;

/// <summary>Registers the envelope schema in a Schema Registry when <c>schema_registry.enabled</c> is true.</summary>
internal static class SchemaRegistryRegistration
{
    public static IServiceCollection AddSchemaRegistration(this IServiceCollection services, PipelineConfig config)
    {
        if (!config.SchemaRegistry.Enabled)
            return services;

        services.AddSingleton<ISchemaRegistryClient>(_ => new CachedSchemaRegistryClient(new SchemaRegistryConfig
        {
            Url = config.SchemaRegistry.Url,
            RequestTimeoutMs = (int)TimeSpan.FromSeconds(config.Broker.StartupTimeoutSeconds).TotalMilliseconds,
        }));
        // The dead-letter topic is left out: it carries whatever failed, valid envelope or not.
        var subjects = config.Topics.All
            .Where(topic => topic.Name != config.Topics.DeadLetterTopic)
            .Select(topic => $"{topic.Name}-value")
            .ToArray();
        services.AddSingleton(new SchemaRegistrationOptions(subjects, RetryDelay: TimeSpan.FromSeconds(5)));
        services.AddSingleton<SchemaRegistrationService>();
        services.AddHostedService(sp => sp.GetRequiredService<SchemaRegistrationService>());
        return services;
    }
}
