using System.Diagnostics.Metrics;

namespace MlPipeline.Core.Monitoring;

/// <summary>How result delivery has gone since start-up, as <c>/api/status</c> shows it.</summary>
/// <param name="FailedAttempts">Delivery attempts that failed (a result retried three times counts up to four).</param>
/// <param name="DeliveredAfterRetry">Results whose first attempt failed but a retry got through.</param>
/// <param name="Undelivered">Results that never reached the results topic.</param>
/// <param name="UndeliveredAnsweredLocally">Of those, results whose HTTP caller was on this instance and got them directly.</param>
/// <param name="LastError">Why the latest failed attempt failed; null if none ever did.</param>
/// <param name="LastFailureAt">When it failed.</param>
public sealed record PredictionResultDeliverySnapshot(
    long FailedAttempts,
    long DeliveredAfterRetry,
    long Undelivered,
    long UndeliveredAnsweredLocally,
    string? LastError,
    DateTimeOffset? LastFailureAt);

/// <summary>
/// Counts result delivery trouble: meter counters <c>prediction_result_delivery_failures</c> (attempts) and
/// <c>prediction_results_undelivered</c> (results given up, tagged by whether the local caller was answered), plus the
/// totals and latest error for <c>/api/status</c>. Thread-safe.
/// </summary>
public sealed class PredictionResultDeliveryMetrics : IPredictionResultDeliveryObserver
{
    private readonly TimeProvider timeProvider;
    private readonly Counter<long> failedAttempts;
    private readonly Counter<long> undelivered;
    private readonly Lock gate = new();
    private PredictionResultDeliverySnapshot current = new(0, 0, 0, 0, null, null);

    public PredictionResultDeliveryMetrics(PipelineMeter meter, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(meter);
        this.timeProvider = timeProvider;
        failedAttempts = meter.Meter.CreateCounter<long>(
            "prediction_result_delivery_failures", description: "Attempts to deliver a prediction result to the results topic that failed.");
        undelivered = meter.Meter.CreateCounter<long>(
            "prediction_results_undelivered",
            description: "Prediction results that never reached the results topic, by whether this instance's HTTP caller got them directly.");
    }

    public PredictionResultDeliverySnapshot Snapshot()
    {
        lock (gate)
        {
            return current;
        }
    }

    public void OnAttemptFailed(string? requestId, int attempt, string reason)
    {
        failedAttempts.Add(1);
        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            current = current with { FailedAttempts = current.FailedAttempts + 1, LastError = reason, LastFailureAt = now };
        }
    }

    public void OnDeliveredAfterRetry(string? requestId, int attempts)
    {
        lock (gate)
        {
            current = current with { DeliveredAfterRetry = current.DeliveredAfterRetry + 1 };
        }
    }

    public void OnUndelivered(string? requestId, string reason, bool answeredLocally)
    {
        undelivered.Add(1, new KeyValuePair<string, object?>("local_caller", answeredLocally ? "answered" : "none"));
        lock (gate)
        {
            current = current with
            {
                Undelivered = current.Undelivered + 1,
                UndeliveredAnsweredLocally = current.UndeliveredAnsweredLocally + (answeredLocally ? 1 : 0),
            };
        }
    }
}
