namespace MlPipeline.Core.Messaging.Observability;

/// <summary>
/// Told what the shared messaging layer does with each message, so every stage is measured without a line of stage
/// code. Monitoring implements it (metrics and throughput windows); the messaging layer knows nothing else about
/// monitoring. Implementations must be fast and thread-safe: they run on every consume loop and delivery callback.
/// </summary>
/// <remarks>A stage is identified by its consumer group (each stage has its own, <c>{group_id}.{stage}</c>).</remarks>
public interface IMessageFlowObserver
{
    /// <summary>A record was fetched and is about to be handled.</summary>
    void OnConsumed(string groupId, string topic);

    /// <summary>The handler succeeded (possibly after retries); <paramref name="duration"/> covers every attempt.</summary>
    void OnHandled(string groupId, string topic, TimeSpan duration);

    /// <summary>A handler attempt failed and will be retried.</summary>
    void OnRetried(string groupId, string topic);

    /// <summary>The record could not be handled (handler gave up or the value was not an envelope).</summary>
    void OnFailed(string groupId, string topic, TimeSpan duration);

    /// <summary>A failed record was parked on the dead-letter topic.</summary>
    void OnDeadLettered(string groupId, string topic);

    /// <summary><paramref name="count"/> records were acknowledged by the broker on <paramref name="topic"/>.</summary>
    void OnProduced(string topic, int count);
}

/// <summary>Observes nothing: the default when no monitoring is registered, so the messaging layer never checks for null.</summary>
public sealed class NullMessageFlowObserver : IMessageFlowObserver
{
    public static NullMessageFlowObserver Instance { get; } = new();

    public void OnConsumed(string groupId, string topic)
    {
    }

    public void OnHandled(string groupId, string topic, TimeSpan duration)
    {
    }

    public void OnRetried(string groupId, string topic)
    {
    }

    public void OnFailed(string groupId, string topic, TimeSpan duration)
    {
    }

    public void OnDeadLettered(string groupId, string topic)
    {
    }

    public void OnProduced(string topic, int count)
    {
    }
}
