using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Data.Ingestion;

/// <summary>
/// A graceful stop mid-ingestion, through a real producer and the embedded broker: the checkpoint saved on stop is
/// exactly what the topic holds, so the restart re-sends nothing the broker acknowledged.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class DatasetIngestorStopTests
{
    private const int RowCount = 5_000;
    private const int ChunkSize = 10;

    private EmbeddedBrokerFixture broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await EmbeddedBrokerFixture.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task StoppedMidFile_SavesTheAcknowledgedRows_AndTheRestartSendsEachRowOnce()
    {
        using var directory = new TemporaryDirectory("ingestor-stop");
        var csvPath = Path.Combine(directory.Path, "rows.csv");
        await File.WriteAllLinesAsync(csvPath, ["Age,Total Amount", .. Enumerable.Range(1, RowCount).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i % 60},{i}"))]);
        var topic = EmbeddedBrokerFixture.UniqueName("raw");
        using (var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(broker.BootstrapServers)))
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        var jobsDirectory = Path.Combine(directory.Path, "jobs");
        var job = new IngestionJob
        {
            DatasetId = "ds-stop", FilePath = csvPath, Model = "m", Label = "Total Amount", CreatedAt = DateTimeOffset.UnixEpoch, StartMessageId = "start",
        };
        await new IngestionJobStore(jobsDirectory).SaveAsync(job, CancellationToken.None);
        using var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(broker.BootstrapServers));
        using var stop = new CancellationTokenSource();
        var chunksHandedOver = 0;

        // The stop arrives while the 100th chunk is in flight, with up to DatasetIngestor.MaxInFlight chunks unacknowledged.
        Task Publish(RawDataPayload payload, CancellationToken cancellationToken)
        {
            var sent = producer.ProduceAsync(topic, new Message<string, string> { Key = payload.DatasetId, Value = Describe(payload) }, cancellationToken);
            if (payload.Kind == DatasetMessageKinds.Rows && ++chunksHandedOver == 100)
            {
                stop.Cancel();
            }

            return sent;
        }

        var first = new DatasetIngestor(new CsvRowStream(), Options(), new IngestionJobStore(jobsDirectory));
        Assert.That(async () => await first.RunAsync(job, Publish, stop.Token), Throws.InstanceOf<OperationCanceledException>());
        var saved = new IngestionJobStore(jobsDirectory).Get(job.DatasetId)!;
        var onTopicAfterStop = RowNumbersOnTopic(topic);

        var second = new DatasetIngestor(new CsvRowStream(), Options(), new IngestionJobStore(jobsDirectory));
        var done = await second.RunAsync(saved, Publish, CancellationToken.None);
        var onTopicAtTheEnd = RowNumbersOnTopic(topic);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saved.State, Is.EqualTo(IngestionState.Publishing));
            Assert.That(saved.RowsPublished, Is.EqualTo(100 * ChunkSize), "every chunk handed over was acknowledged and counted");
            Assert.That(onTopicAfterStop, Is.EqualTo(Enumerable.Range(1, (int)saved.RowsPublished).Select(n => (long)n)),
                "the saved checkpoint is exactly what the topic holds");
            Assert.That(done.State, Is.EqualTo(IngestionState.Published));
            Assert.That(onTopicAtTheEnd, Is.EqualTo(Enumerable.Range(1, RowCount).Select(n => (long)n)), "each row on the topic once, in order");
        }
    }

    private static DataSectionOptionsView Options() => new(ChunkSize, label => new DataProcessingOptions { LabelColumn = label });

    /// <summary>"rows:1,2,3" for a chunk, the kind alone for a marker: enough to count rows on the topic.</summary>
    private static string Describe(RawDataPayload payload) =>
        payload.Rows is { } rows ? "rows:" + string.Join(',', rows.Select(row => row.RowNumber.ToString(CultureInfo.InvariantCulture))) : payload.Kind;

    /// <summary>Every row number in the topic's chunks, in offset order, read up to the partition's end.</summary>
    private List<long> RowNumbersOnTopic(string topic)
    {
        var config = KafkaTestClients.ConsumerConfig(broker.BootstrapServers);
        config.EnablePartitionEof = true;
        using var consumer = KafkaTestClients.BuildConsumer<string, string>(config);
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var rowNumbers = new List<long>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                break;
            }

            if (record.Message.Value.StartsWith("rows:", StringComparison.Ordinal))
            {
                rowNumbers.AddRange(record.Message.Value["rows:".Length..].Split(',').Select(n => long.Parse(n, CultureInfo.InvariantCulture)));
            }
        }

        consumer.Close();
        return rowNumbers;
    }
}
