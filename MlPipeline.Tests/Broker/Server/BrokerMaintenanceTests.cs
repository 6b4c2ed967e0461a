using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Broker;
using MlPipeline.Broker.Protocol;
using MlPipeline.Broker.State;
using MlPipeline.Broker.Storage.Records;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Server;

/// <summary>The server's background work, driven by a fake clock instead of waiting.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class BrokerMaintenanceTests
{
    [Test]
    public async Task RetentionCheck_OnItsInterval_DropsBatchesOlderThanRetentionMs()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var options = new BrokerOptions { Port = 0, RetentionCheckInterval = TimeSpan.FromMinutes(1) };
        using var loggerFactory = NUnitProgressLoggerProvider.CreateFactory();
        await using var server = await BrokerServer.StartAsync(options, loggerFactory, clock);
        var topics = server.Services.GetRequiredService<TopicRegistry>();
        string topic = EmbeddedBrokerFixture.UniqueName("retention");
        topics.Create(topic, 1, 1, [("retention.ms", "1000")], validateOnly: false);
        var partition = topics.GetPartition(topic, 0)!;
        long anHourAgo = clock.GetUtcNow().AddHours(-1).ToUnixTimeMilliseconds();
        for (int i = 0; i < 3; i++)
        {
            byte[] batch = new RecordBatchBuilder().Add("k", "v", anHourAgo).Build();
            Assert.That(RecordBatchValidator.Validate(batch, int.MaxValue, out var header, out _), Is.EqualTo(ErrorCode.None));
            partition.Append(batch, header);
        }

        clock.Advance(TimeSpan.FromMinutes(1));

        // The newest batch is the active "segment" and always stays.
        Assert.That(() => partition.Log.LogStartOffset, Is.EqualTo(2).After(5_000, 20));
    }
}
