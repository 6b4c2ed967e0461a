namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>
/// One running consumer: a group member reading some topics into one handler. Each stage owns its own
/// subscription and stops it on shutdown; disposing stops it too.
/// </summary>
public interface IConsumerSubscription : IAsyncDisposable
{
    string GroupId { get; }

    IReadOnlyCollection<string> Topics { get; }

    ConsumerSubscriptionState State { get; }

    /// <summary>Why the subscription faulted; null unless <see cref="State"/> is <see cref="ConsumerSubscriptionState.Faulted"/>.</summary>
    Exception? Fault { get; }

    /// <summary>Completes once the consumer has committed, left the group and been disposed (stopped or faulted).</summary>
    Task Completion { get; }

    /// <summary>
    /// Stops fetching, gives the in-flight handlers and the records already fetched the grace period to finish (then
    /// cancels them), commits what was handled and leaves the group. A message whose handler was cancelled, and every
    /// later one of its partition, is not committed and is redelivered.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
