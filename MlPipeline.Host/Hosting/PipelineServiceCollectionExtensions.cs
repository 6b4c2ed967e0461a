using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Host.Hosting;

/// <summary>Registers the pipeline's shared Kafka layer, configured from <c>kafka_config.yaml</c>.</summary>
internal static class PipelineServiceCollectionExtensions
{
    /// <summary>Health check name of the Kafka check, also used by <c>/api/health/kafka</c>.</summary>
    public const string KafkaHealthCheckName = "kafka";

    public static IServiceCollection AddPipelineMessaging(this IServiceCollection services, PipelineConfig config, KafkaEndpoint endpoint)
    {
        var clientConfigs = new KafkaClientConfigFactory(config, endpoint.BootstrapServers);
        services.AddSingleton(endpoint);
        // Replaces the factory AddPipelineConfiguration registered: clients must use the resolved endpoint.
        services.AddSingleton(clientConfigs);
        services.AddSingleton(TimeProvider.System);

        if (endpoint.EmbeddedBroker is { } brokerOptions)
        {
            // First hosted service: up before any stage, down after all of them (see EmbeddedBrokerService).
            services.AddSingleton(brokerOptions);
            services.AddSingleton<EmbeddedBrokerService>();
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBrokerService>());
        }

        services.AddSingleton<KafkaMessageSerializer>();
        services.AddSingleton<KafkaMessageFactory>();
        // One long-lived producer per process, shared by every stage and the dead-letter publisher.
        services.AddSingleton(sp => new KafkaProducerManager(
            clientConfigs.CreateProducerConfig(),
            sp.GetRequiredService<KafkaMessageSerializer>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KafkaProducerManager>>()));
        services.AddSingleton(sp => new KafkaConsumerManager(
            clientConfigs.CreateConsumerConfig(),
            ConsumerManagerOptionsFrom(config),
            sp.GetRequiredService<KafkaProducerManager>(),
            sp.GetRequiredService<KafkaMessageSerializer>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));

        var startupTimeout = TimeSpan.FromSeconds(config.Broker.StartupTimeoutSeconds);
        services.AddSingleton(sp => new TopicAdministrator(
            clientConfigs.CreateAdminClientConfig(),
            sp.GetRequiredService<ILogger<TopicAdministrator>>(),
            startupTimeout));
        services.AddSingleton(new TopicProvisioningOptions(PipelineTopics.Specs(config), RetryDelay: TimeSpan.FromSeconds(2)));
        services.AddHostedService<TopicProvisioningService>();

        services.AddSingleton(sp => new KafkaHealthChecker(
            clientConfigs.CreateAdminClientConfig(),
            new KafkaHealthCheckOptions
            {
                Timeout = startupTimeout,
                ExpectedTopics = config.Topics.All.Select(topic => topic.Name).ToArray(),
                ConsumerGroups = [config.Consumer.GroupId],
            },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KafkaHealthChecker>>(),
            sp.GetRequiredService<KafkaConsumerManager>()));
        services.AddHealthChecks().AddCheck<KafkaHealthChecker>(KafkaHealthCheckName);
        return services;
    }

    private static KafkaConsumerManagerOptions ConsumerManagerOptionsFrom(PipelineConfig config) => new()
    {
        MaxRetries = config.ErrorHandling.MaxRetries,
        RetryBaseDelay = TimeSpan.FromSeconds(config.ErrorHandling.RetryDelaySeconds),
        EnableDeadLetter = config.ErrorHandling.EnableDeadLetterQueue,
        DeadLetterTopic = config.ErrorHandling.DeadLetterTopic,
    };
}
