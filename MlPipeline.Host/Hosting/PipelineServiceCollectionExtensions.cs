using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Monitoring;

namespace MlPipeline.Host.Hosting;

/// <summary>Registers the pipeline's shared Kafka layer, configured from <c>kafka_config.yaml</c>.</summary>
internal static class PipelineServiceCollectionExtensions
{
    /// <summary>Health check name of the Kafka check.</summary>
    public const string KafkaHealthCheckName = "kafka";

    public static IServiceCollection AddPipelineMessaging(this IServiceCollection services, PipelineConfig config, KafkaEndpoint endpoint)
    {
        services.AddSingleton(endpoint);
        if (endpoint.Mode == BrokerMode.Embedded)
        {
            // First hosted service: stopped last, after every stage has committed (see EmbeddedBrokerService).
            services.AddHostedService<EmbeddedBrokerService>();
            // The pipeline's topics are created in-process, whether or not clients may administer topics.
            services.AddSingleton<ITopicCreator, EmbeddedBrokerTopicCreator>();
        }

        // Second: stopped after the stages, just before the broker (see KafkaClientShutdownService).
        services.AddHostedService<KafkaClientShutdownService>();

        // Replaces the factory AddPipelineConfiguration registered: clients must use the resolved endpoint, read
        // lazily because in embedded mode it is known only once the broker listens.
        services.AddSingleton(_ => new KafkaClientConfigFactory(config, endpoint.BootstrapServers));
        services.AddSingleton(TimeProvider.System);

        var timeout = TimeSpan.FromSeconds(config.Broker.StartupTimeoutSeconds);
        services.AddKafkaMessaging(sp => CreateMessagingSettings(sp.GetRequiredService<KafkaClientConfigFactory>(), config, timeout));

        services.AddSingleton(new TopicProvisioningOptions(PipelineTopics.Specs(config), RetryDelay: TimeSpan.FromSeconds(2)));
        services.AddSingleton<TopicProvisioningService>();
        services.AddHostedService(sp => sp.GetRequiredService<TopicProvisioningService>());
        // Kafka's state is collected in the background, once per interval; /health and the status endpoints read it.
        services.AddSingleton<KafkaStatusSnapshots>();
        var statusInterval = TimeSpan.FromSeconds(Math.Min(config.Monitoring.StatusIntervalSeconds, config.Monitoring.HealthCheckIntervalSeconds));
        services.AddSingleton(sp => new KafkaStatusCollector(
            sp.GetRequiredService<KafkaHealthChecker>(),
            sp.GetRequiredService<KafkaStatusSnapshots>(),
            sp.GetRequiredService<KafkaConsumerManager>(),
            sp.GetRequiredService<MessageFlowStatistics>(),
            statusInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KafkaStatusCollector>>()));
        services.AddHostedService(sp => sp.GetRequiredService<KafkaStatusCollector>());
        services.AddHealthChecks().AddCheck<KafkaStatusSnapshots>(KafkaHealthCheckName);
        return services;
    }

    private static KafkaMessagingSettings CreateMessagingSettings(KafkaClientConfigFactory clientConfigs, PipelineConfig config, TimeSpan timeout) =>
        new()
        {
            Producer = clientConfigs.CreateProducerConfig(),
            Consumer = clientConfigs.CreateConsumerConfig(),
            Admin = clientConfigs.CreateAdminClientConfig(),
            AdminRequestTimeout = timeout,
            ConsumerManager = new KafkaConsumerManagerOptions
            {
                MaxRetries = config.ErrorHandling.MaxRetries,
                RetryBaseDelay = TimeSpan.FromSeconds(config.ErrorHandling.RetryDelaySeconds),
                EnableDeadLetter = config.ErrorHandling.EnableDeadLetterQueue,
                DeadLetterTopic = config.ErrorHandling.DeadLetterTopic,
                CommitEvery = config.Consumer.MaxPollRecords,
                MaxConcurrentHandlers = config.Performance.ConsumerThreads,
            },
            Health = new KafkaHealthCheckOptions
            {
                Timeout = timeout,
                ExpectedTopics = config.Topics.All.Select(topic => topic.Name).ToArray(),
                ConsumerGroups = [config.Consumer.GroupId],
                UncommittedStartsAt = config.Consumer.AutoOffsetReset,
            },
        };
}
