using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// CreatePartitions on the wire, for what librdkafka never sends (it rejects duplicate topics itself and picks
/// one version, v1): every advertised version's layout and the duplicate-topic rule.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RawCreatePartitionsTests
{
    private EmbeddedBrokerFixture _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await EmbeddedBrokerFixture.StartAsync(options => options.AutoCreateTopics = false);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [Test]
    public async Task ApiVersions_AdvertisesCreatePartitionsV0ToV1()
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);
        await connection.SendAsync((short)ApiKey.ApiVersions, 0, _ => { });

        var (_, body) = await connection.ReceiveAsync();

        var reader = new KafkaReader(body);
        reader.ReadInt16(); // error code
        var advertised = new List<(short Min, short Max)>();
        for (int count = reader.ReadInt32(), i = 0; i < count; i++)
        {
            short key = reader.ReadInt16();
            var range = (reader.ReadInt16(), reader.ReadInt16());
            if (key == (short)ApiKey.CreatePartitions) advertised.Add(range);
        }
        Assert.That(advertised, Is.EqualTo(new[] { ((short)0, (short)1) }));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    public async Task DuplicateTopicInRequest_IsInvalidRequestOnce_WhileTheOtherTopicsAreProcessed(short version)
    {
        string duplicate = await CreateTopicAsync(partitions: 1);
        string grown = await CreateTopicAsync(partitions: 1);
        string missing = UniqueNames.For("raw-missing");
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        int correlationId = await connection.SendAsync((short)ApiKey.CreatePartitions, version, body =>
        {
            body.WriteArrayCount(4);
            foreach (string topic in new[] { duplicate, grown, duplicate, missing })
            {
                body.WriteString(topic);
                body.WriteInt32(2); // count: the new total
                body.WriteArrayCount(-1); // assignments: null, the broker places the partition
            }
            body.WriteInt32(5_000); // timeout_ms
            body.WriteBoolean(false); // validate_only
        });
        var (responseCorrelationId, response) = await connection.ReceiveAsync();

        var results = ReadResults(response, out int throttleTimeMs);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(responseCorrelationId, Is.EqualTo(correlationId));
            Assert.That(throttleTimeMs, Is.Zero);
            Assert.That(results.Select(r => (r.Name, r.Error)), Is.EqualTo(new[]
            {
                (duplicate, (short)ErrorCode.InvalidRequest),
                (grown, (short)ErrorCode.None),
                (missing, (short)ErrorCode.UnknownTopicOrPartition),
            }));
            Assert.That(results.Select(r => r.Message is null), Is.EqualTo(new[] { false, true, false }), "a message only with an error");
            Assert.That(PartitionCount(duplicate), Is.EqualTo(1), "the duplicated topic is left alone");
            Assert.That(PartitionCount(grown), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task EmptyAssignmentList_ForOneAddedPartition_IsInvalidReplicaAssignment()
    {
        // Kafka treats a present-but-empty list as "0 assignments for 1 new partition", not as "broker's choice".
        string topic = await CreateTopicAsync(partitions: 1);
        await using var connection = await RawKafkaConnection.ConnectAsync(_broker.BootstrapServers);

        await connection.SendAsync((short)ApiKey.CreatePartitions, 0, body =>
        {
            body.WriteArrayCount(1);
            body.WriteString(topic);
            body.WriteInt32(2);
            body.WriteArrayCount(0);
            body.WriteInt32(5_000);
            body.WriteBoolean(false);
        });
        var (_, response) = await connection.ReceiveAsync();

        var result = ReadResults(response, out _).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Error, Is.EqualTo((short)ErrorCode.InvalidReplicaAssignment));
            Assert.That(PartitionCount(topic), Is.EqualTo(1));
        }
    }

    private static List<(string Name, short Error, string? Message)> ReadResults(byte[] body, out int throttleTimeMs)
    {
        var reader = new KafkaReader(body);
        throttleTimeMs = reader.ReadInt32();
        int count = reader.ReadInt32();
        var results = new List<(string, short, string?)>();
        for (int i = 0; i < count; i++) results.Add((reader.ReadString(), reader.ReadInt16(), reader.ReadNullableString()));
        Assert.That(reader.End, Is.True, "nothing after the results array");
        return results;
    }

    private async Task<string> CreateTopicAsync(int partitions)
    {
        string topic = UniqueNames.For("raw-grow");
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    private int PartitionCount(string topic) =>
        _broker.Server.Services.GetRequiredService<TopicRegistry>().TryGetTopic(topic, out var state) ? state.Partitions.Count : 0;
}
