using Microsoft.Extensions.DependencyInjection.Extensions;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Monitoring;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Stages;
using MlPipeline.Core.Training;

namespace MlPipeline.Host.Hosting;

/// <summary>Registers prediction serving: the model registry, the serving stage and the HTTP side's result reader and cache.</summary>
internal static class ServingRegistration
{
    public static IServiceCollection AddServingStage(this IServiceCollection services, PipelineConfig config)
    {
        var serving = config.Serving;
        var timeout = TimeSpan.FromSeconds(config.Broker.StartupTimeoutSeconds);

        // The training stage registers the same store from the same keys; serving only adds it when training is absent.
        services.TryAddSingleton(sp => new ModelStore(config.Training.ToModelStoreOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ServingModelRegistry(
            sp.GetRequiredService<ModelStore>(),
            new ModelScorerOptions { MaxPooledEngines = serving.EnginePoolSize },
            sp.GetRequiredService<ILogger<ServingModelRegistry>>()));
        services.AddSingleton(sp => new PredictionEvaluator(sp.GetRequiredService<ServingModelRegistry>(), serving.DefaultModel));
        services.AddSingleton(sp => new PredictionResultPublisher(
            sp.GetRequiredService<KafkaProducerManager>(),
            new PredictionResultPublisherOptions(
                config.Topics.PredictionResultsTopic,
                serving.BatchSize,
                config.ErrorHandling.MaxRetries,
                TimeSpan.FromSeconds(config.ErrorHandling.RetryDelaySeconds)),
            sp.GetRequiredService<PredictionResultCache>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PredictionResultPublisher>>(),
            sp.GetService<IPredictionResultDeliveryObserver>()));
        services.AddSingleton<PredictionRequestHandler>();
        services.AddSingleton(sp => new ServingStageOptions(
            config.Topics.PredictionRequestsTopic,
            config.Topics.ModelTrainingTopic,
            $"{config.Consumer.GroupId}.serving",
            sp.GetRequiredService<KafkaClientConfigFactory>().CreateConsumerConfig($"{config.Consumer.GroupId}.serving-models"),
            timeout,
            serving.BatchSize));
        services.AddSingleton<ServingStage>();
        services.AddHostedService(sp => sp.GetRequiredService<ServingStage>());

        services.AddSingleton(new PredictionAdmission(serving.LoadShedding, serving.MaxWaitingHttpPredictions));
        services.AddSingleton(sp => new PredictionResultCache(
            serving.ResultsCacheSize, TimeSpan.FromSeconds(serving.ResultsTtlSeconds), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PredictionResultsListenerOptions(
            sp.GetRequiredService<KafkaClientConfigFactory>().CreateConsumerConfig($"{config.Consumer.GroupId}.results-reader"),
            config.Topics.PredictionResultsTopic,
            timeout));
        services.AddSingleton<PredictionResultsListener>();
        services.AddHostedService(sp => sp.GetRequiredService<PredictionResultsListener>());
        return services;
    }
}
