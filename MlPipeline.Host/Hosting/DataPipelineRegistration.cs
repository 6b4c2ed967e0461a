using MlPipeline.Core.Configuration;
using MlPipeline.Core.Data;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Core.Processing;
using MlPipeline.Core.Stages;
using MlPipeline.Core.Training;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Registers ingestion, processing and training (stages, their logic and stores) from the <c>data:</c> and
/// <c>training:</c> sections. Directories resolve against the working directory, like every path in the config.
/// </summary>
internal static class DataPipelineRegistration
{
    public static IServiceCollection AddDataPipeline(this IServiceCollection services, PipelineConfig config)
    {
        var data = config.Data;
        var training = config.Training;
        var stateDirectory = Path.GetFullPath(training.DataDir);
        Func<string, DataProcessingOptions> processingForLabel = label => data.ToProcessingOptions(label);

        services.AddSingleton(_ => new DataPathResolver(data.DataDir));
        services.AddSingleton(_ => new IngestionJobStore(Path.Combine(stateDirectory, "ingestions")));
        services.AddSingleton(sp => new IngestionService(
            sp.GetRequiredService<IngestionJobStore>(), sp.GetRequiredService<TimeProvider>(), data.IngestionQueueCapacity));
        services.AddSingleton(new CsvRowStream());
        services.AddSingleton(sp => new DatasetIngestor(
            sp.GetRequiredService<CsvRowStream>(),
            new DataSectionOptionsView(data.ChunkSize, processingForLabel),
            sp.GetRequiredService<IngestionJobStore>()));
        services.AddSingleton(new RawChunkProcessor(processingForLabel));

        services.AddSingleton(new TrainingDataStoreProvider(
            training.ToDataStoreOptions() with { WriteBatchRows = config.Performance.BatchProcessingSize }));
        services.AddSingleton(_ => new TrainingJobStore(Path.Combine(stateDirectory, "jobs")));
        services.AddSingleton(new TrainingQueue(training.MaxQueuedTrainings));
        services.AddSingleton(sp => new ModelTrainer(training.ToTrainingOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ModelStore(training.ToModelStoreOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new PromotionPolicy(training.ToPromotionOptions()));
        services.AddSingleton<ITrainingAnnouncer, KafkaTrainingAnnouncer>();
        services.AddSingleton(sp => new TrainingRunnerFactory(
            sp.GetRequiredService<TrainingDataStoreProvider>(),
            sp.GetRequiredService<TrainingJobStore>(),
            sp.GetRequiredService<ModelTrainer>(),
            sp.GetRequiredService<ModelStore>(),
            sp.GetRequiredService<PromotionPolicy>(),
            schema => processingForLabel(schema.LabelColumn),
            sp.GetRequiredService<ITrainingAnnouncer>(),
            sp.GetRequiredService<ILogger<TrainingRunner>>()));

        // First: a killed process's half-written files go before any stage starts.
        services.AddHostedService<LeftoverFileCleanup>();
        services.AddHostedService<IngestionStage>();
        services.AddHostedService<ProcessingStage>();
        services.AddHostedService<TrainingStage>();
        services.AddHostedService<TrainingWorker>();
        return services;
    }
}
