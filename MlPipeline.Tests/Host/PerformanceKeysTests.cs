using MlPipeline.Core.Messaging;
using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Host;

/// <summary>
/// The <c>performance:</c> keys reach what they configure: consumer_threads bounds every stage's concurrent handlers,
/// batch_processing_size is the training store's rows per write. (producer_threads, the ingestions publishing at
/// once, is proved by behaviour in DataPipeline/ConcurrentIngestionTests.)
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class PerformanceKeysTests
{
    [Test]
    public async Task ConsumerThreads_Configured_BoundsTheHandlersOfEverySubscription()
    {
        await using var host = await PipelineHostRunner.StartAsync("performance:\n  consumer_threads: 2\n");

        Assert.That(host.Service<KafkaMessagingSettings>().ConsumerManager.MaxConcurrentHandlers, Is.EqualTo(2));
    }

    [Test]
    public async Task BatchProcessingSize_Configured_IsTheTrainingStoresRowsPerWrite()
    {
        await using var host = await PipelineHostRunner.StartAsync("performance:\n  batch_processing_size: 7\n");

        Assert.That(host.Service<TrainingDataStoreProvider>().Options.WriteBatchRows, Is.EqualTo(7));
    }
}
