using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Messaging.Observability;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Core.Messaging;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the envelope serializer and factory, the process's one producer, the consumer manager, the
    /// topic administrator and <see cref="KafkaHealthChecker"/> (add it to health checks with
    /// <c>AddHealthChecks().AddCheck&lt;KafkaHealthChecker&gt;("kafka")</c>). All singletons, disposed with the container.
    /// </summary>
    public static IServiceCollection AddKafkaMessaging(
        this IServiceCollection services,
        Func<IServiceProvider, KafkaMessagingSettings> settingsFactory)
    {
        ArgumentNullException.ThrowIfNull(settingsFactory);
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton(settingsFactory);
        services.TryAddSingleton<KafkaMessageSerializer>();
        services.TryAddSingleton<KafkaMessageFactory>();
        // The one door of every librdkafka admin call in the process (see KafkaAdminGate).
        services.TryAddSingleton<KafkaAdminGate>();
        services.TryAddSingleton(provider => new KafkaProducerManager(
            provider.GetRequiredService<KafkaMessagingSettings>().Producer,
            provider.GetRequiredService<KafkaMessageSerializer>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<KafkaProducerManager>>(),
            flowObserver: provider.GetService<IMessageFlowObserver>()));
        services.TryAddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<KafkaMessagingSettings>();
            return new KafkaConsumerManager(
                settings.Consumer,
                settings.ConsumerManager,
                provider.GetRequiredService<KafkaProducerManager>(),
                provider.GetRequiredService<KafkaMessageSerializer>(),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILoggerFactory>(),
                provider.GetService<IMessageFlowObserver>());
        });
        services.TryAddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<KafkaMessagingSettings>();
            return new TopicAdministrator(
                settings.Admin, provider.GetRequiredService<ILogger<TopicAdministrator>>(), settings.AdminRequestTimeout, provider.GetRequiredService<KafkaAdminGate>());
        });
        // The admin API unless the host registered another way to create its topics (the embedded broker, in-process).
        services.TryAddSingleton<ITopicCreator>(provider => provider.GetRequiredService<TopicAdministrator>());
        services.TryAddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<KafkaMessagingSettings>();
            return new KafkaHealthChecker(
                settings.Admin,
                settings.Health,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<KafkaHealthChecker>>(),
                provider.GetRequiredService<KafkaConsumerManager>(),
                provider.GetRequiredService<KafkaAdminGate>());
        });
        return services;
    }
}
