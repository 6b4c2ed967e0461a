using MlPipeline.Core.Messaging;

namespace MlPipeline.Tests.Host;

/// <summary><c>performance.consumer_threads</c> is what every stage's consumer subscription handles at most at once.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConsumerThreadsTests
{
    [Test]
    public async Task ConsumerThreads_Configured_BoundsTheHandlersOfEverySubscription()
    {
        await using var host = await PipelineHostRunner.StartAsync("performance:\n  consumer_threads: 2\n");

        Assert.That(host.Service<KafkaMessagingSettings>().ConsumerManager.MaxConcurrentHandlers, Is.EqualTo(2));
    }
}
