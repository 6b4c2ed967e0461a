namespace MlPipeline.Core.Messaging.Consuming;

public enum ConsumerSubscriptionState
{
    Starting,
    Running,
    Stopping,
    Stopped,

    /// <summary>The consumer hit a fatal error and stopped by itself; <see cref="IConsumerSubscription.Fault"/> says why.</summary>
    Faulted,
}
