using Confluent.Kafka.Admin;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Broker.Storage;
using MlPipeline.Tests.Infrastructure;
using ErrorCode = MlPipeline.Broker.Protocol.ErrorCode;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>
/// Hostile batches that cost a naive broker hundreds of megabytes (200 MB decompression bombs, a batch claiming
/// 16 million headers) are refused by the stand-alone broker process while its memory stays under a fixed bound.
/// A child process, so its resident memory (/proc) is its own and not that of the tests running beside it.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class BoundedMemoryTests
{
    private const long BombBytes = 200L * 1024 * 1024;

    /// <summary>Far below one decompressed bomb (200 MB) or one array for 16 million headers (128 MB).</summary>
    private const long MaxGrowthBytes = 96L * 1024 * 1024;

    private const int Rounds = 3;

    [Test]
    public async Task BombsAndHeaderCountLies_AreRefusedWhileBrokerMemoryStaysUnderAFixedBound()
    {
        using var broker = await BrokerProcess.StartAsync("--port", "0", "--partitions", "1");
        string topic = UniqueNames.For("bounded-memory");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        (string Name, byte[] Batch, ErrorCode Expected)[] hostile =
        [
            ("gzip bomb", HostileBatches.Bomb(CompressionCodec.Gzip, BombBytes), ErrorCode.MessageTooLarge),
            ("lz4 bomb", HostileBatches.Bomb(CompressionCodec.Lz4, BombBytes), ErrorCode.MessageTooLarge),
            ("zstd bomb", HostileBatches.Bomb(CompressionCodec.Zstd, BombBytes), ErrorCode.MessageTooLarge),
            ("16 million headers", HostileBatches.Batch(HostileBatches.Record(0, headerCountClaim: 16_000_000), 1), ErrorCode.InvalidRecord),
        ];
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        // Warm-up: every codec's decoder and the refusal path run once, so the baseline includes their code and pools.
        foreach (var codec in new[] { CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd })
            await ProduceValidationTests.ProduceAsync(connection, topic, PartitionLogTestData.ABatch(0, 10, codec: codec), version: 8);
        await ProduceValidationTests.ProduceAsync(connection, topic, HostileBatches.Bomb(CompressionCodec.Zstd, 4 * 1024 * 1024), version: 8);

        long baseline = ReadStatusKilobytes(broker.ProcessId, "VmRSS:") * 1024;
        bool peakReset = TryResetPeak(broker.ProcessId);
        var answers = new List<string>();
        for (int round = 0; round < Rounds; round++)
            foreach (var (name, batch, expected) in hostile)
            {
                var result = await ProduceValidationTests.ProduceAsync(connection, topic, batch, version: 8);
                if (result.Error != expected) answers.Add($"{name}: {result.Error} ({result.Message})");
            }
        long peak = ReadStatusKilobytes(broker.ProcessId, peakReset ? "VmHWM:" : "VmRSS:") * 1024;
        TestContext.Progress.WriteLine($"broker RSS baseline {baseline / 1048576} MiB, {(peakReset ? "peak" : "after")} {peak / 1048576} MiB");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(answers, Is.Empty, "every hostile batch refused with its error");
            Assert.That(peak - baseline, Is.LessThan(MaxGrowthBytes), "broker memory growth while refusing them");
        }
    }

    private static long ReadStatusKilobytes(int processId, string field)
    {
        string line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux 4.0+), so startup peaks don't count.</summary>
    private static bool TryResetPeak(int processId)
    {
        try
        {
            File.WriteAllText($"/proc/{processId}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
