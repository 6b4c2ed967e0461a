using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Health;
using Polly;
using Polly.CircuitBreaker;

namespace MlPipeline.Core.Monitoring;

/// <summary>
/// Gathers Kafka's state once per interval in the background — broker reachability, topics, the lag of every group the
/// process knows — in one turn of the admin gate, and publishes it to <see cref="KafkaStatusSnapshots"/>. Requests only
/// read that snapshot. A collection that overruns (the gate busy, the broker wedged) is counted as failed; after
/// <see cref="FailuresBeforeBreak"/> in a row the collector stops asking for <see cref="BreakDuration"/> (a circuit
/// breaker), so a broker in trouble is not sent a queue of admin requests, and the last good snapshot is served with
/// the reason it is old.
/// </summary>
public sealed class KafkaStatusCollector : BackgroundService
{
    public const int FailuresBeforeBreak = 3;
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    private readonly KafkaHealthChecker checker;
    private readonly KafkaStatusSnapshots snapshots;
    private readonly KafkaConsumerManager consumers;
    private readonly MessageFlowStatistics flow;
    private readonly TimeSpan interval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<KafkaStatusCollector> logger;
    private readonly ResiliencePipeline breaker;
    private long collections;

    public KafkaStatusCollector(
        KafkaHealthChecker checker,
        KafkaStatusSnapshots snapshots,
        KafkaConsumerManager consumers,
        MessageFlowStatistics flow,
        TimeSpan interval,
        TimeProvider timeProvider,
        ILogger<KafkaStatusCollector> logger)
    {
        this.checker = checker;
        this.snapshots = snapshots;
        this.consumers = consumers;
        this.flow = flow;
        this.interval = interval;
        this.timeProvider = timeProvider;
        this.logger = logger;
        breaker = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TimeoutException>(),
                FailureRatio = 1.0,
                MinimumThroughput = FailuresBeforeBreak,
                SamplingDuration = interval * (FailuresBeforeBreak + 1) + TimeSpan.FromSeconds(1),
                BreakDuration = BreakDuration,
            })
            .Build();
    }

    /// <summary>Collections attempted (each one gate turn); skipped intervals of an open circuit are not counted.</summary>
    public long Collections => Interlocked.Read(ref collections);

    public TimeSpan Interval => interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            do
            {
                await CollectOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task CollectOnceAsync(CancellationToken cancellationToken)
    {
        var groups = consumers.Subscriptions.Select(subscription => subscription.GroupId)
            .Concat(flow.Groups)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        try
        {
            var reading = await breaker.ExecuteAsync(
                    async token =>
                    {
                        Interlocked.Increment(ref collections);
                        return await checker.CollectAsync(groups, token).ConfigureAwait(false);
                    },
                    cancellationToken)
                .ConfigureAwait(false);
            var lag = reading.Report.ConsumerGroups.Concat(reading.MoreGroups)
                .OrderBy(group => group.GroupId, StringComparer.Ordinal)
                .ToArray();
            snapshots.Publish(new KafkaStatusSnapshot(reading.Report, lag, timeProvider.GetUtcNow(), Collections, CollectionError: null));
        }
        catch (Exception exception) when (exception is TimeoutException or BrokenCircuitException)
        {
            var reason = exception is BrokenCircuitException
                ? $"Kafka status collection paused after {FailuresBeforeBreak} failures in a row; retrying within {BreakDuration.TotalSeconds:0} s"
                : exception.Message;
            logger.LogWarning("Kafka status not collected: {Reason}", reason);
            var last = snapshots.Current;
            var report = last?.Report ?? (await snapshots.GetAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Report;
            snapshots.Publish(new KafkaStatusSnapshot(report, last?.Lag ?? [], timeProvider.GetUtcNow(), Collections, reason));
        }
    }
}
