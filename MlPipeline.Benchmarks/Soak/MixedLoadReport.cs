using System.Collections.Concurrent;

namespace MlPipeline.Benchmarks.Soak;

/// <summary>Everything a mixed-load run counted. Written by the run's loops (thread-safe counters), read at the end.</summary>
public sealed class MixedLoadReport
{
    private long _healthProbes, _healthMissed, _brokerProbes, _brokerMissed;
    private long _kafkaSent, _kafkaSendFailed, _kafkaAnswered, _kafkaDuplicates;
    private long _httpSent, _httpOk, _httpShed, _httpShedSlow, _httpFailed, _statusCalls, _statusFailed;
    private long _healthWorstTicks, _brokerWorstTicks, _statusWorstTicks, _httpWorstTicks, _shedWorstTicks;

    public ConcurrentDictionary<string, long> HttpOtherOutcomes { get; } = new();

    public ConcurrentQueue<string> Notes { get; } = new();

    public ConcurrentQueue<LoadSample> Samples { get; } = new();

    public long HealthProbes => Interlocked.Read(ref _healthProbes);
    public long HealthMissed => Interlocked.Read(ref _healthMissed);
    public TimeSpan HealthWorst => TimeSpan.FromTicks(Interlocked.Read(ref _healthWorstTicks));
    public long BrokerProbes => Interlocked.Read(ref _brokerProbes);
    public long BrokerMissed => Interlocked.Read(ref _brokerMissed);
    public TimeSpan BrokerWorst => TimeSpan.FromTicks(Interlocked.Read(ref _brokerWorstTicks));
    public long KafkaSent => Interlocked.Read(ref _kafkaSent);
    public long KafkaSendFailed => Interlocked.Read(ref _kafkaSendFailed);
    public long KafkaAnswered => Interlocked.Read(ref _kafkaAnswered);
    public long KafkaDuplicates => Interlocked.Read(ref _kafkaDuplicates);
    public long KafkaUnanswered { get; set; }
    public long HttpSent => Interlocked.Read(ref _httpSent);
    public long HttpOk => Interlocked.Read(ref _httpOk);
    public long HttpShed => Interlocked.Read(ref _httpShed);
    public long HttpShedSlow => Interlocked.Read(ref _httpShedSlow);
    public long HttpFailed => Interlocked.Read(ref _httpFailed);
    public TimeSpan HttpWorst => TimeSpan.FromTicks(Interlocked.Read(ref _httpWorstTicks));
    public TimeSpan ShedWorst => TimeSpan.FromTicks(Interlocked.Read(ref _shedWorstTicks));
    public long StatusCalls => Interlocked.Read(ref _statusCalls);
    public long StatusFailed => Interlocked.Read(ref _statusFailed);
    public TimeSpan StatusWorst => TimeSpan.FromTicks(Interlocked.Read(ref _statusWorstTicks));

    public int UploadsSubmitted { get; set; }
    public int UploadsTrained { get; set; }
    public bool HostExited { get; set; }
    public int? HostExitCode { get; set; }
    public IReadOnlyList<string> HostErrorTail { get; set; } = [];

    /// <summary>Errors of any kind so far (missed probes, failed calls), for the periodic samples.</summary>
    public long Errors => HealthMissed + BrokerMissed + KafkaSendFailed + KafkaDuplicates + HttpFailed + HttpShedSlow + StatusFailed;

    internal void HealthProbe(bool answered, TimeSpan took) => Probe(ref _healthProbes, ref _healthMissed, ref _healthWorstTicks, answered, took);
    internal void BrokerProbe(bool answered, TimeSpan took) => Probe(ref _brokerProbes, ref _brokerMissed, ref _brokerWorstTicks, answered, took);
    internal void KafkaSentOne() => Interlocked.Increment(ref _kafkaSent);
    internal void KafkaSendFailedOne() => Interlocked.Increment(ref _kafkaSendFailed);
    internal void KafkaAnsweredOne(bool duplicate) => Interlocked.Increment(ref duplicate ? ref _kafkaDuplicates : ref _kafkaAnswered);
    internal void HttpSentOne() => Interlocked.Increment(ref _httpSent);

    internal void HttpOutcome(int? status, TimeSpan took, TimeSpan fastRejection, string? failure)
    {
        switch (status)
        {
            case 200:
                Interlocked.Increment(ref _httpOk);
                Max(ref _httpWorstTicks, took);
                break;
            case 503:
                Interlocked.Increment(ref took <= fastRejection ? ref _httpShed : ref _httpShedSlow);
                Max(ref _shedWorstTicks, took);
                break;
            default:
                Interlocked.Increment(ref _httpFailed);
                HttpOtherOutcomes.AddOrUpdate(failure ?? $"HTTP {status}", 1, (_, count) => count + 1);
                break;
        }
    }

    internal void StatusCall(bool ok, TimeSpan took)
    {
        Interlocked.Increment(ref _statusCalls);
        if (!ok) Interlocked.Increment(ref _statusFailed);
        Max(ref _statusWorstTicks, took);
    }

    /// <summary>A multi-line summary for the console or a test's failure message.</summary>
    public string Describe() => string.Join('\n',
    [
        $"host exited: {HostExited} (code {HostExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"})",
        $"/health probes: {HealthProbes}, missed (no 2xx within the deadline): {HealthMissed}, worst {HealthWorst.TotalMilliseconds:0} ms",
        $"broker metadata probes: {BrokerProbes}, missed: {BrokerMissed}, worst {BrokerWorst.TotalMilliseconds:0} ms",
        $"kafka requests: sent {KafkaSent}, send failed {KafkaSendFailed}, answered {KafkaAnswered}, duplicates {KafkaDuplicates}, unanswered {KafkaUnanswered}",
        $"http predictions: sent {HttpSent}, 200 {HttpOk} (worst {HttpWorst.TotalMilliseconds:0} ms), fast 503 {HttpShed} (worst {ShedWorst.TotalMilliseconds:0} ms), slow 503 {HttpShedSlow}, other {HttpFailed} [{string.Join(", ", HttpOtherOutcomes.Select(pair => $"{pair.Key}: {pair.Value}"))}]",
        $"/api/status calls: {StatusCalls}, failed {StatusFailed}, worst {StatusWorst.TotalMilliseconds:0} ms",
        $"uploads: submitted {UploadsSubmitted}, trained {UploadsTrained}",
        .. Notes.Select(note => $"note: {note}"),
        .. HostErrorTail.Select(line => $"host: {line}"),
    ]);

    private static void Probe(ref long count, ref long missed, ref long worst, bool answered, TimeSpan took)
    {
        Interlocked.Increment(ref count);
        if (!answered) Interlocked.Increment(ref missed);
        Max(ref worst, took);
    }

    private static void Max(ref long worstTicks, TimeSpan took)
    {
        long current;
        while (took.Ticks > (current = Interlocked.Read(ref worstTicks))
               && Interlocked.CompareExchange(ref worstTicks, took.Ticks, current) != current)
        {
        }
    }
}

/// <summary>One periodic sample of the host process during the load.</summary>
public sealed record LoadSample(TimeSpan At, ProcessSample Process, long Errors, long HttpShed, long KafkaAnswered);
