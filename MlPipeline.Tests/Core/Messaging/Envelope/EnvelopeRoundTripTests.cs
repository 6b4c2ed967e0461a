using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging.Envelope;

/// <summary>
/// Envelopes survive encode → decode whatever form their <c>data</c> takes (DOM, consumed bytes, typed payload), and
/// the one-pass writer produces the same bytes the generated serializer did.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class EnvelopeRoundTripTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 14, 0, 0, 123, TimeSpan.Zero);

    private readonly KafkaMessageSerializer serializer = new();

    private static JsonObject SomeData() => new()
    {
        ["kind"] = "rows",
        ["name with spaces"] = "Électronique <&> \"quoted\"",
        ["values"] = new JsonArray(1, 2.5, -0.0001, true, null, "x"),
        ["nested"] = new JsonObject { ["deep"] = new JsonObject { ["deeper"] = new JsonArray() } },
    };

    private static EnvelopeMetadata SomeMetadata() =>
        new() { CorrelationId = "c-1", DatasetId = "ds-1", ["row_number"] = 17, ["flags"] = new JsonArray("a", "b"), ["nothing"] = null };

    [Test]
    public void SerializeThenDeserialize_EveryMessageType_KeepsEveryField([Values] MessageType type)
    {
        var original = new KafkaMessageFactory(new FakeTimeProvider(Now)).Create(type, "stage", SomeData(), SomeMetadata());

        var copy = serializer.Deserialize(serializer.Serialize(original));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.MessageId, Is.EqualTo(original.MessageId));
            Assert.That(copy.MessageType, Is.EqualTo(type));
            Assert.That(copy.Timestamp, Is.EqualTo(Now));
            Assert.That(copy.Source, Is.EqualTo("stage"));
            Assert.That(JsonNode.DeepEquals(copy.Data, SomeData()), Is.True, copy.Data.ToJsonString());
            Assert.That(copy.Metadata.Keys, Is.EquivalentTo(original.Metadata.Keys));
            Assert.That(copy.Metadata.Keys.All(key => JsonNode.DeepEquals(copy.Metadata[key], original.Metadata[key])), Is.True);
        }
    }

    [Test]
    public void Serialize_EveryMessageType_WritesTheBytesTheGeneratedSerializerWrote([Values] MessageType type)
    {
        var message = new KafkaMessageFactory(new FakeTimeProvider(Now)).Create(type, "stage", SomeData(), SomeMetadata());

        var generated = JsonSerializer.SerializeToUtf8Bytes(message, KafkaMessageJsonContext.Default.KafkaMessage);

        Assert.That(Encoding.UTF8.GetString(serializer.Serialize(message)), Is.EqualTo(Encoding.UTF8.GetString(generated)));
    }

    [Test]
    public void Serialize_ConsumedEnvelope_ForwardsItsDataUnchanged()
    {
        var payload = Encoding.UTF8.GetBytes(
            """{"message_id":"m-1","message_type":"raw_data","timestamp":"2026-05-06T07:08:09Z","source":"s","data": { "b" : [1, 2.50], "a":"\u00e9" },"metadata":null}""");

        var forwarded = JsonNode.Parse(serializer.Serialize(serializer.Deserialize(payload)))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(JsonNode.DeepEquals(forwarded["data"], JsonNode.Parse("""{"b":[1,2.50],"a":"é"}""")), Is.True, forwarded.ToJsonString());
            Assert.That(forwarded["metadata"]!.AsObject(), Is.Empty);
            Assert.That(forwarded["timestamp"]!.GetValue<string>(), Is.EqualTo("2026-05-06T07:08:09.0000000Z"));
        }
    }

    [Test]
    public void Deserialize_ValidVariants_ReadTheSameFieldsAsTheDom()
    {
        string[] variants =
        [
            """{"message_id":"m-1","message_type":"RAW_DATA","timestamp":"2026-05-06T07:08:09.123456","source":"ingest","data":{"x":1}}""",
            """ { "extra" : {"ignored": [1, {"a": null}]}, "metadata" : { "correlation_id" : "c", "n" : 1.5 }, "data" : {}, "source" : "s", "timestamp" : "2026-05-06T07:08:09+02:00", "message_type" : "alert", "message_id" : "\u006d-2" } """,
            """{"message_id":"m-3","message_type":"monitoring","timestamp":"2026-05-06T07:08:09Z","source":"s","data":{"k":"v","k2":[]},"metadata":{}}""",
        ];

        foreach (var variant in variants)
        {
            var message = serializer.Deserialize(Encoding.UTF8.GetBytes(variant));
            var dom = JsonNode.Parse(variant)!.AsObject();

            using (Assert.EnterMultipleScope())
            {
                Assert.That(message.MessageId, Is.EqualTo(dom["message_id"]!.GetValue<string>()), variant);
                Assert.That(message.MessageType.ToWireName(), Is.EqualTo(dom["message_type"]!.GetValue<string>().ToLowerInvariant()), variant);
                Assert.That(message.Timestamp, Is.EqualTo(DateTimeOffset.Parse(dom["timestamp"]!.GetValue<string>(), null, System.Globalization.DateTimeStyles.AssumeUniversal)), variant);
                Assert.That(message.Timestamp.Offset, Is.EqualTo(TimeSpan.Zero), variant);
                Assert.That(message.Source, Is.EqualTo(dom["source"]!.GetValue<string>()), variant);
                Assert.That(JsonNode.DeepEquals(message.Data, dom["data"]), Is.True, variant);
                Assert.That(JsonNode.DeepEquals(new JsonObject(message.Metadata.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))), dom["metadata"] ?? new JsonObject()), Is.True, variant);
            }
        }
    }

    [Test]
    public void Deserialize_DuplicateMetadataKeys_LastOneWinsAsBefore()
    {
        var message = serializer.Deserialize(
            """{"message_id":"m","message_type":"raw_data","timestamp":"2026-01-01T00:00:00Z","source":"s","data":{},"metadata":{"k":1,"k":2}}"""u8);

        Assert.That(message.Metadata.GetString("k"), Is.EqualTo("2"));
    }
}
