namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Told how delivering prediction results to the results topic goes, when it does not go smoothly. Monitoring
/// registers the implementation (<see cref="PredictionResultDeliveryMetrics"/>); serving's result publisher calls it
/// and knows nothing else about monitoring. Implementations must be thread-safe: delivery reports arrive on
/// librdkafka's threads.
/// </summary>
public interface IPredictionResultDeliveryObserver
{
    /// <summary>One attempt to deliver the result of <paramref name="requestId"/> failed; more may follow.</summary>
    void OnAttemptFailed(string? requestId, int attempt, string reason);

    /// <summary>A result whose first attempt failed was delivered by a retry.</summary>
    void OnDeliveredAfterRetry(string? requestId, int attempts);

    /// <summary>Every attempt failed: the result never reached the topic.</summary>
    /// <param name="answeredLocally">The request was issued by this instance's HTTP API, whose caller got the result directly.</param>
    void OnUndelivered(string? requestId, string reason, bool answeredLocally);
}

/// <summary>Observes nothing: for a publisher used without monitoring (tools, tests).</summary>
public sealed class NullPredictionResultDeliveryObserver : IPredictionResultDeliveryObserver
{
    public static readonly NullPredictionResultDeliveryObserver Instance = new();

    private NullPredictionResultDeliveryObserver()
    {
    }

    public void OnAttemptFailed(string? requestId, int attempt, string reason)
    {
        // Nothing watches.
    }

    public void OnDeliveredAfterRetry(string? requestId, int attempts)
    {
        // Nothing watches.
    }

    public void OnUndelivered(string? requestId, string reason, bool answeredLocally)
    {
        // Nothing watches.
    }
}
