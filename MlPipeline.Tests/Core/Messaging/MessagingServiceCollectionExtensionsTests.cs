using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Consuming;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Messaging.Producing;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class MessagingServiceCollectionExtensionsTests
{
    private MessagingTestBroker broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await MessagingTestBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task AddKafkaMessaging_ResolvedServices_DeliverAMessageAndReportHealthy()
    {
        var topic = MessagingTestBroker.UniqueName("wired");
        await broker.CreateTopicsAsync(topic);
        var services = new ServiceCollection();
        services.AddSingleton(broker.LoggerFactory);
        services.AddKafkaMessaging(_ => new KafkaMessagingSettings
        {
            Producer = broker.ProducerConfig(),
            Consumer = broker.ConsumerConfig(),
            Admin = broker.AdminConfig(),
            Health = new KafkaHealthCheckOptions { ExpectedTopics = [topic] },
        });
        services.AddHealthChecks().AddCheck<KafkaHealthChecker>("kafka");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var received = new TaskCompletionSource<ConsumedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await provider.GetRequiredService<KafkaConsumerManager>().StartAsync(
            [topic],
            MessagingTestBroker.UniqueName("wired-group"),
            (message, _) =>
            {
                received.TrySetResult(message);
                return Task.CompletedTask;
            },
            CancellationToken.None);
        var sent = provider.GetRequiredService<KafkaMessageFactory>().Create(MessageType.Alert, "monitor", new JsonObject { ["level"] = "high" });
        await provider.GetRequiredService<KafkaProducerManager>().SendAsync(topic, sent, null, CancellationToken.None);
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Envelope.MessageId, Is.EqualTo(sent.MessageId));
            Assert.That(health.Entries["kafka"].Status, Is.EqualTo(HealthStatus.Healthy), health.Entries["kafka"].Description);
        }
    }
}
