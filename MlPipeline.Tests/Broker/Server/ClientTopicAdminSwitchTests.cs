using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using MlPipeline.Broker.State;
using MlPipeline.Tests.Infrastructure;
using BrokerError = MlPipeline.Broker.Protocol.ErrorCode;
using ClientError = Confluent.Kafka.ErrorCode;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>
/// With broker.allow_client_topic_admin off, a client can neither create, delete nor grow topics, nor create one by
/// producing to it, whatever client it uses; topics the embedding host creates in-process are unaffected.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class ClientTopicAdminSwitchTests
{
    private EmbeddedBrokerFixture _broker = null!;
    private IAdminClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        _broker = await EmbeddedBrokerFixture.StartAsync(options => options.AllowClientTopicAdmin = false);
        _admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(_broker.BootstrapServers));
    }

    [OneTimeTearDown]
    public async Task StopBroker()
    {
        _admin.Dispose();
        await _broker.DisposeAsync();
    }

    private TopicRegistry Topics => _broker.Server.Services.GetRequiredService<TopicRegistry>();

    [Test]
    public void CreateTopics_IsClusterAuthorizationFailed_AndNothingIsCreated()
    {
        string topic = UniqueNames.For("client-created");

        var failure = Assert.ThrowsAsync<CreateTopicsException>(() =>
            _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(ClientError.ClusterAuthorizationFailed));
            Assert.That(failure.Results.Single().Error.Reason, Does.Contain("allow_client_topic_admin"));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False);
        }
    }

    [Test]
    public void DeleteTopicsAndCreatePartitions_OfTheHostsTopic_AreClusterAuthorizationFailed_AndTheTopicStays()
    {
        string topic = HostCreatedTopic(partitions: 2);

        var deleteFailure = Assert.ThrowsAsync<DeleteTopicsException>(() => _admin.DeleteTopicsAsync([topic]));
        var growFailure = Assert.ThrowsAsync<CreatePartitionsException>(() =>
            _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 4 }]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deleteFailure!.Results.Single().Error.Code, Is.EqualTo(ClientError.ClusterAuthorizationFailed));
            Assert.That(growFailure!.Results.Single().Error.Code, Is.EqualTo(ClientError.ClusterAuthorizationFailed));
            Assert.That(Topics.TryGetTopic(topic, out var kept) ? kept.Partitions.Count : 0, Is.EqualTo(2));
        }
    }

    [Test]
    public void ProducingToAMissingTopic_FailsWithTopicAuthorizationFailed_AndDoesNotCreateIt()
    {
        string topic = UniqueNames.For("auto-created");
        var config = KafkaTestClients.ProducerConfig(_broker.BootstrapServers);
        config.MessageTimeoutMs = 5_000;
        using var producer = KafkaTestClients.BuildProducer<string, string>(config);

        var failure = Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Error.Code, Is.EqualTo(ClientError.TopicAuthorizationFailed));
            Assert.That(Topics.TryGetTopic(topic, out _), Is.False);
        }
    }

    [Test]
    public async Task ProducingToTheHostsTopic_StillWorks()
    {
        string topic = HostCreatedTopic(partitions: 1);
        using var producer = KafkaTestClients.BuildProducer<string, string>(KafkaTestClients.ProducerConfig(_broker.BootstrapServers));

        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" });

        Assert.That(delivered.Status, Is.EqualTo(PersistenceStatus.Persisted));
    }

    /// <summary>A topic created the way the host creates its own: in-process, not through the Kafka protocol.</summary>
    private string HostCreatedTopic(int partitions)
    {
        string topic = UniqueNames.For("host-created");
        Assert.That(Topics.Create(topic, partitions, 1, [], validateOnly: false).Error, Is.EqualTo(BrokerError.None));
        return topic;
    }
}
