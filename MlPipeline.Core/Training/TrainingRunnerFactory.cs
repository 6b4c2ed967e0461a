using Microsoft.Extensions.Logging;
using MlPipeline.Core.Data;

namespace MlPipeline.Core.Training;

/// <summary>Builds the <see cref="TrainingRunner"/> once the training data store is open (opening is async).</summary>
public sealed class TrainingRunnerFactory(
    TrainingDataStoreProvider stores,
    TrainingJobStore jobs,
    ModelTrainer trainer,
    ModelStore models,
    PromotionPolicy promotion,
    Func<DatasetSchema, DataProcessingOptions> processingFor,
    ITrainingAnnouncer announcer,
    ILogger<TrainingRunner> logger)
{
    public async Task<TrainingRunner> CreateAsync(CancellationToken cancellationToken) =>
        new(await stores.GetAsync(cancellationToken).ConfigureAwait(false), jobs, trainer, models, promotion, processingFor, announcer, logger);
}
