using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Benchmarks.Common;

namespace MlPipeline.Benchmarks.Broker;

/// <summary>
/// `broker`: end-to-end throughput and latency of the embedded broker through Confluent.Kafka (issue 2,
/// "Speed"). For each storage variant and message size a fresh broker is started on port 0, then produce
/// throughput, consume throughput (reading back what was produced) and produce-to-consume latency are
/// measured, and one table row is printed.
/// </summary>
public sealed class BrokerBenchmarkCommand : IBenchmarkCommand
{
    /// <summary>Issue 2's targets for 100-byte messages on a 2-core machine.</summary>
    private const double ProduceTarget = 400_000, ConsumeTarget = 500_000;
    private const int TargetSize = 100;
    private const int RunFailed = 1;

    public string Name => "broker";
    public string Summary => "embedded broker: produce/consume throughput and produce-to-consume latency via Confluent.Kafka";
    public string Usage => BrokerBenchmarkSettings.Usage;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!BrokerBenchmarkSettings.TryParse(arguments, out var settings, out string? error))
        {
            return BenchmarkDispatcher.RejectArguments(error!, Usage);
        }

        var output = Console.Out;
        MachineFacts.Collect(Library.VersionString).Print(output);
        output.WriteLine($"producer:  {KafkaClientSettings.Describe(KafkaClientSettings.ThroughputProducer(""))}");
        output.WriteLine($"consumer:  {KafkaClientSettings.Describe(KafkaClientSettings.ThroughputConsumer("", ""))}");
        output.WriteLine($"latency:   producer linger.ms={KafkaClientSettings.LatencyProducer("").LingerMs}, " +
                         $"{settings.LatencyRate} msg/s for {settings.LatencyDuration.TotalSeconds:0} s, first {Math.Min(1, settings.LatencyDuration.TotalSeconds / 5):0.#} s discarded");
        output.WriteLine($"topics:    {settings.Partitions} partitions, {settings.Consumers} consumer(s) in the consume run, warm-up {settings.WarmUpFraction:P0} (min 1000 msgs)");
        output.WriteLine();

        var table = new BrokerResultTable(output);
        table.PrintHeader();
        var rows = new List<BrokerResultRow>();
        try
        {
            foreach (var variant in settings.Variants)
                foreach (int size in settings.Sizes)
                {
                    var row = await MeasureAsync(variant, size, settings, cancellationToken);
                    table.PrintRow(row);
                    rows.Add(row);
                }
        }
        catch (Exception ex) when (ex is InvalidOperationException or KafkaException)
        {
            // A lost, reordered or failed message invalidates the figures: say why and print no verdict.
            Console.Error.WriteLine($"error: {ex.Message}");
            return RunFailed;
        }
        output.WriteLine();
        PrintTargets(rows, output);
        return 0;
    }

    private static async Task<BrokerResultRow> MeasureAsync(BrokerStorageVariant variant, int size, BrokerBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        await using var broker = await EmbeddedBrokerUnderTest.StartAsync(variant, cancellationToken);
        const string WarmUpTopic = "bench-warmup", ThroughputTopic = "bench-throughput", LatencyTopic = "bench-latency";
        await CreateTopicsAsync(broker.BootstrapServers, settings.Partitions, [WarmUpTopic, ThroughputTopic, LatencyTopic]);

        int messages = settings.MessagesFor(size);
        var produce = await new ProduceThroughputRun(broker.BootstrapServers, settings.Partitions)
            .RunAsync(WarmUpTopic, settings.WarmUpMessagesFor(size), ThroughputTopic, messages, size, cancellationToken);
        var consume = await new ConsumeThroughputRun(broker.BootstrapServers, settings.Partitions, settings.Consumers)
            .RunAsync(WarmUpTopic, ThroughputTopic, cancellationToken);
        if (consume.Messages != messages)
            throw new InvalidOperationException($"consumed {consume.Messages} messages, produced {messages}");

        LatencySummary? latency = null;
        if (settings.LatencyDuration > TimeSpan.Zero)
            latency = await new EndToEndLatencyRun(broker.BootstrapServers, settings.Partitions)
                .RunAsync(LatencyTopic, size, settings.LatencyRate, settings.LatencyDuration, cancellationToken);
        return new BrokerResultRow(variant, size, messages, produce, consume, latency);
    }

    private static async Task CreateTopicsAsync(string bootstrapServers, int partitions, IEnumerable<string> names)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler((_, message) => KafkaClientSettings.LogWarnings(message))
            .Build();
        await admin.CreateTopicsAsync(names.Select(name => new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }));
    }

    private static void PrintTargets(IReadOnlyList<BrokerResultRow> rows, TextWriter output)
    {
        foreach (var row in rows.Where(r => r.Size == TargetSize))
        {
            output.WriteLine($"target ({row.Variant.ToString().ToLowerInvariant()}, {TargetSize} B): " +
                             $"produce {row.Produce.MessagesPerSecond:N0} msg/s vs {ProduceTarget:N0} {Verdict(row.Produce.MessagesPerSecond, ProduceTarget)}, " +
                             $"consume {row.Consume.MessagesPerSecond:N0} msg/s vs {ConsumeTarget:N0} {Verdict(row.Consume.MessagesPerSecond, ConsumeTarget)}");
        }
    }

    private static string Verdict(double measured, double target) => measured >= target ? "(met)" : "(NOT met)";
}
