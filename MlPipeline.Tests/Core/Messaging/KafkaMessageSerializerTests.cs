using System.Text;
using System.Text.Json.Nodes;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging;

[Parallelizable(ParallelScope.All)]
public sealed class KafkaMessageSerializerTests
{
    private readonly KafkaMessageSerializer serializer = new();

    private static KafkaMessage AMessage() => new()
    {
        MessageId = "0b9c6a4e-1f0e-4b43-9a5c-6f1f7e2f9d11",
        MessageType = MessageType.PredictionRequest,
        Timestamp = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero),
        Source = "api",
        Data = new JsonObject { ["features"] = new JsonObject { ["age"] = 42, ["city"] = "Oslo" } },
        Metadata = new EnvelopeMetadata { CorrelationId = "c-1", DatasetId = "d-1", SchemaVersion = "2", ["row_number"] = 17 },
    };

    [Test]
    public void Serialize_ThenDeserialize_KeepsEveryField()
    {
        var original = AMessage();

        var copy = serializer.Deserialize(serializer.Serialize(original));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.MessageId, Is.EqualTo(original.MessageId));
            Assert.That(copy.MessageType, Is.EqualTo(MessageType.PredictionRequest));
            Assert.That(copy.Timestamp, Is.EqualTo(original.Timestamp));
            Assert.That(copy.Source, Is.EqualTo("api"));
            Assert.That(JsonNode.DeepEquals(copy.Data, original.Data), Is.True);
            Assert.That(copy.CorrelationId, Is.EqualTo("c-1"));
            Assert.That(copy.Metadata.DatasetId, Is.EqualTo("d-1"));
            Assert.That(copy.Metadata.SchemaVersion, Is.EqualTo("2"));
            Assert.That(copy.Metadata.GetString("row_number"), Is.EqualTo("17"));
        }
    }

    [Test]
    public void Serialize_WritesSnakeCaseFieldsWireTypeNameAndUtcTimestamp()
    {
        var json = JsonNode.Parse(serializer.Serialize(AMessage()))!.AsObject();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(json.Select(pair => pair.Key), Is.EquivalentTo(new[] { "message_id", "message_type", "timestamp", "source", "data", "metadata" }));
            Assert.That(json["message_type"]!.GetValue<string>(), Is.EqualTo("prediction_request"));
            Assert.That(json["timestamp"]!.GetValue<string>(), Is.EqualTo("2026-03-04T05:06:07.8900000Z"));
            Assert.That(json["metadata"]!["correlation_id"]!.GetValue<string>(), Is.EqualTo("c-1"));
        }
    }

    [TestCase(MessageType.RawData, "raw_data")]
    [TestCase(MessageType.ProcessedData, "processed_data")]
    [TestCase(MessageType.ModelTraining, "model_training")]
    [TestCase(MessageType.ModelEvaluation, "model_evaluation")]
    [TestCase(MessageType.PredictionRequest, "prediction_request")]
    [TestCase(MessageType.PredictionResult, "prediction_result")]
    [TestCase(MessageType.Monitoring, "monitoring")]
    [TestCase(MessageType.Alert, "alert")]
    public void ToWireName_EveryMessageType_IsItsContractName(MessageType type, string wireName) =>
        Assert.That(type.ToWireName(), Is.EqualTo(wireName));

    [TestCase("", "payload is empty")]
    [TestCase("this is not json", "payload is not JSON")]
    [TestCase("[1,2]", "not an object")]
    [TestCase("""{"message_type":"raw_data","timestamp":"2026-01-01T00:00:00Z","source":"s","data":{}}""", "missing message_id")]
    [TestCase("""{"message_id":"m","timestamp":"2026-01-01T00:00:00Z","source":"s","data":{}}""", "missing message_type")]
    [TestCase("""{"message_id":"m","message_type":"telepathy","timestamp":"2026-01-01T00:00:00Z","source":"s","data":{}}""", "unknown message_type '\"telepathy\"'")]
    [TestCase("""{"message_id":"m","message_type":"raw_data","source":"s","data":{}}""", "missing timestamp")]
    [TestCase("""{"message_id":"m","message_type":"raw_data","timestamp":"yesterday","source":"s","data":{}}""", "timestamp 'yesterday' is not an ISO-8601")]
    [TestCase("""{"message_id":"m","message_type":"raw_data","timestamp":"2026-01-01T00:00:00Z","source":"s","data":[]}""", "missing data object")]
    public void TryDeserialize_InvalidPayload_ReturnsFalseWithReason(string payload, string expectedReason)
    {
        var accepted = serializer.TryDeserialize(Encoding.UTF8.GetBytes(payload), out var message, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.False);
            Assert.That(message, Is.Null);
            Assert.That(reason, Does.Contain(expectedReason));
        }
    }

    [Test]
    public void Deserialize_InvalidPayload_ThrowsInvalidEnvelopeExceptionWithReason() =>
        Assert.That(
            () => serializer.Deserialize("{}"u8),
            Throws.TypeOf<InvalidEnvelopeException>().With.Message.EqualTo("missing message_id"));

    [Test]
    public void TryDeserialize_PythonStyleEnvelope_ReadsUpperCaseTypeAndOffsetlessTimestampAsUtc()
    {
        var payload = """{"message_id":"m-1","message_type":"RAW_DATA","timestamp":"2026-05-06T07:08:09.123456","source":"ingest","data":{"x":1}}"""u8;

        var accepted = serializer.TryDeserialize(payload, out var message, out _);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.True);
            Assert.That(message!.MessageType, Is.EqualTo(MessageType.RawData));
            Assert.That(message.Timestamp, Is.EqualTo(new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234560)));
            Assert.That(message.Timestamp.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(message.Metadata.Count, Is.Zero);
        }
    }
}
