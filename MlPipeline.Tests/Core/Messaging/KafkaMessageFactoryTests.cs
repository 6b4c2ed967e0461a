using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaMessageFactoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 1, 12, 0, 0, TimeSpan.FromHours(2));

    [Test]
    public void Create_ManyMessages_EachGetsAUniqueUuid()
    {
        var factory = new KafkaMessageFactory(new FakeTimeProvider(Now));

        var ids = Enumerable.Range(0, 1000).Select(_ => factory.Create(MessageType.RawData, "ingest", []).MessageId).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ids, Is.Unique);
            Assert.That(ids, Has.All.Matches<string>(id => Guid.TryParse(id, out _)));
        }
    }

    [Test]
    public void Create_TakesTimestampFromClockInUtc()
    {
        var clock = new FakeTimeProvider(Now);
        var factory = new KafkaMessageFactory(clock);

        var first = factory.Create(MessageType.Monitoring, "monitor", []);
        clock.Advance(TimeSpan.FromMinutes(5));
        var second = factory.Create(MessageType.Monitoring, "monitor", []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Timestamp, Is.EqualTo(Now));
            Assert.That(first.Timestamp.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(second.Timestamp - first.Timestamp, Is.EqualTo(TimeSpan.FromMinutes(5)));
        }
    }

    [Test]
    public void Create_MetadataGiven_IsCopiedNotShared()
    {
        var factory = new KafkaMessageFactory(new FakeTimeProvider(Now));
        var metadata = new EnvelopeMetadata { DatasetId = "d-1" };

        var message = factory.Create(MessageType.RawData, "ingest", new JsonObject { ["row"] = 1 }, metadata);
        metadata.DatasetId = "changed";

        Assert.That(message.Metadata.DatasetId, Is.EqualTo("d-1"));
    }

    [Test]
    public void CreateReply_SetsCorrelationIdToRequestMessageId()
    {
        var factory = new KafkaMessageFactory(new FakeTimeProvider(Now));
        var request = factory.Create(MessageType.PredictionRequest, "api", [], new EnvelopeMetadata { DatasetId = "d-9" });

        var reply = factory.CreateReply(request, MessageType.PredictionResult, "serving", new JsonObject { ["prediction"] = 0.7 });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply.CorrelationId, Is.EqualTo(request.MessageId));
            Assert.That(reply.MessageId, Is.Not.EqualTo(request.MessageId));
            Assert.That(reply.MessageType, Is.EqualTo(MessageType.PredictionResult));
            Assert.That(reply.Source, Is.EqualTo("serving"));
            Assert.That(reply.Metadata.DatasetId, Is.EqualTo("d-9"));
        }
    }
}
