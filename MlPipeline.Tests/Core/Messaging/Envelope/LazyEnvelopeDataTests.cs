using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging.Envelope;

/// <summary>
/// <c>data</c> kept as bytes or as a typed payload behaves exactly like the DOM it replaces: <see cref="KafkaMessage.Data"/>
/// gives the same object, changes to it are what gets read and sent, and typed reads agree with DOM reads.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class LazyEnvelopeDataTests
{
    private const string Consumed =
        """{"message_id":"m-1","message_type":"processed_data","timestamp":"2026-05-06T07:08:09Z","source":"s","data":{"name":"a b","count":3,"ratio":NaN_PLACEHOLDER,"tags":{"x":"1"}}}""";

    private readonly KafkaMessageSerializer serializer = new();

    private static byte[] ConsumedBytes() => Encoding.UTF8.GetBytes(Consumed.Replace("NaN_PLACEHOLDER", "\"NaN\"", StringComparison.Ordinal));

    [Test]
    public void Data_OfAConsumedEnvelope_EqualsTheDomOfItsDataField()
    {
        var message = serializer.Deserialize(ConsumedBytes());

        Assert.That(JsonNode.DeepEquals(message.Data, JsonNode.Parse(ConsumedBytes())!["data"]), Is.True);
    }

    [Test]
    public void Data_AskedTwice_IsTheSameObject()
    {
        var message = serializer.Deserialize(ConsumedBytes());
        var first = message.Data;

        Assert.That(message.Data, Is.SameAs(first));
    }

    [Test]
    public void Data_AskedFromManyThreadsAtOnce_IsOneObject()
    {
        var message = serializer.Deserialize(ConsumedBytes());

        var seen = Enumerable.Range(0, 8).AsParallel().Select(_ => message.Data).Distinct().Count();

        Assert.That(seen, Is.EqualTo(1));
    }

    [Test]
    public void ReadData_OfAConsumedEnvelope_EqualsReadingTheDom()
    {
        var message = serializer.Deserialize(ConsumedBytes());

        var typed = message.ReadData(SamplePayloadJson.Default.SamplePayload);
        var fromDom = serializer.Deserialize(ConsumedBytes()).Data.Deserialize(SamplePayloadJson.Default.SamplePayload);

        Assert.That(typed, Is.EqualTo(fromDom).Using<SamplePayload>(SamplePayload.SameValues));
    }

    [Test]
    public void ReadDataAndSerialize_AfterDataWasChanged_SeeTheChange()
    {
        var message = serializer.Deserialize(ConsumedBytes());

        message.Data["count"] = 42;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.ReadData(SamplePayloadJson.Default.SamplePayload).Count, Is.EqualTo(42));
            Assert.That(JsonNode.Parse(serializer.Serialize(message))!["data"]!["count"]!.GetValue<int>(), Is.EqualTo(42));
        }
    }

    [Test]
    public void TypedPayload_SerializedDirectly_GivesTheSameBytesAsThroughTheDom()
    {
        var factory = new KafkaMessageFactory(new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        var payload = SamplePayload.Example();
        var metadata = new EnvelopeMetadata { DatasetId = "ds" };

        var typed = factory.Create(MessageType.ProcessedData, "s", payload, SamplePayloadJson.Default.SamplePayload, metadata) with { MessageId = "m" };
        var viaDom = factory.Create(
            MessageType.ProcessedData, "s", JsonSerializer.SerializeToNode(payload, SamplePayloadJson.Default.SamplePayload)!.AsObject(), metadata) with { MessageId = "m" };

        Assert.That(Encoding.UTF8.GetString(serializer.Serialize(typed)), Is.EqualTo(Encoding.UTF8.GetString(serializer.Serialize(viaDom))));
    }

    [Test]
    public void TypedPayload_DataAndReadData_GiveThePayloadBack()
    {
        var message = new KafkaMessageFactory(TimeProvider.System).Create(
            MessageType.RawData, "s", SamplePayload.Example(), SamplePayloadJson.Default.SamplePayload);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Data["name"]!.GetValue<string>(), Is.EqualTo("a b"));
            Assert.That(message.ReadData(SamplePayloadJson.Default.SamplePayload), Is.EqualTo(SamplePayload.Example()).Using<SamplePayload>(SamplePayload.SameValues));
        }
    }

    [Test]
    public void Create_PayloadThatIsNotAJsonObject_IsRefused() =>
        Assert.That(
            () => new KafkaMessageFactory(TimeProvider.System).Create(MessageType.RawData, "s", new[] { 1, 2 }, SamplePayloadJson.Default.Int32Array),
            Throws.ArgumentException);

    [Test]
    public void ReadData_DataOfAnotherShape_ThrowsJsonException()
    {
        var message = serializer.Deserialize(
            """{"message_id":"m","message_type":"raw_data","timestamp":"2026-01-01T00:00:00Z","source":"s","data":{"count":"many"}}"""u8);

        Assert.That(() => message.ReadData(SamplePayloadJson.Default.SamplePayload), Throws.InstanceOf<JsonException>());
    }

    internal sealed record SamplePayload(string Name, int Count, double Ratio, IReadOnlyDictionary<string, string> Tags)
    {
        public static SamplePayload Example() => new("a b", 3, double.NaN, new Dictionary<string, string> { ["x"] = "1" });

        public static bool SameValues(SamplePayload left, SamplePayload right) =>
            left.Name == right.Name && left.Count == right.Count && left.Ratio.Equals(right.Ratio)
            && left.Tags.OrderBy(p => p.Key).SequenceEqual(right.Tags.OrderBy(p => p.Key));
    }

    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    [JsonSerializable(typeof(SamplePayload))]
    [JsonSerializable(typeof(int[]))]
    internal sealed partial class SamplePayloadJson : JsonSerializerContext;
}
