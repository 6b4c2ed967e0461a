using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Contracts;

/// <summary>
/// The source-generated payload metadata with its hand-written row-list converters (the hot path) writes and reads
/// exactly what the contract's policy does through reflection (<see cref="ContractJson.CreateOptions"/>), so the
/// converters are an optimisation, not a second format.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ContractJsonRowConverterTests
{
    // The contract's policy through reflection, without the hand-written row-list converters: what they must equal.
    private static readonly JsonSerializerOptions Reference = ContractJson.CreateOptions();

    private static readonly DatasetSchema Schema = new(
        "Total Amount",
        [new FeatureColumn("Date", FeatureKind.Date), new FeatureColumn("Age", FeatureKind.Numeric), new FeatureColumn("Product Category", FeatureKind.Categorical)],
        [new ExcludedColumn("", "index column")]);

    private readonly KafkaMessageSerializer serializer = new();
    private readonly KafkaMessageFactory messages = new(new FakeTimeProvider(DateTimeOffset.UnixEpoch));

    private static IEnumerable<RawDataPayload> RawPayloads()
    {
        yield return new RawDataPayload(DatasetMessageKinds.DatasetStart, "ds-1", "sales", Schema, FileName: "Sales Dataset.csv");
        yield return new RawDataPayload(DatasetMessageKinds.Rows, "ds-1", "sales", Schema, Rows:
        [
            new RawRow(1, new Dictionary<string, string> { [""] = "0", ["Date"] = "2023-11-24", ["Age"] = "34", ["Product Category"] = "Beauty", ["Total Amount"] = "150" }, null),
            new RawRow(2, new Dictionary<string, string> { [""] = "1", ["Date"] = "2023-02-27" }, "expected 5 fields, found 2"),
            new RawRow(3, new Dictionary<string, string> { ["Age"] = "Ünïcødé \"quoted\" <tag> & \\ \t" }, null),
            new RawRow(4, null!, "no values at all"),
            new RawRow(5, new Dictionary<string, string> { ["Age"] = null! }, null),
        ]);
        yield return new RawDataPayload(DatasetMessageKinds.DatasetEnd, "ds-1", "sales", Schema, RowCount: 3);
    }

    private static IEnumerable<ProcessedDataPayload> ProcessedPayloads()
    {
        yield return new ProcessedDataPayload(DatasetMessageKinds.Rows, "ds-1", "sales", Schema,
        [
            new ProcessedRow("ds-1", 1,
                new Dictionary<string, double> { ["Age"] = 34, ["Date.year"] = 2023, ["Date.month"] = 11, ["Date.day"] = 24, ["Date.day_of_week"] = 5, ["odd"] = 0.1 + 0.2 },
                new Dictionary<string, string> { ["Product Category"] = "Beauty" }, 150),
            new ProcessedRow("ds-1", 4, new Dictionary<string, double> { ["Age"] = double.NaN, ["inf"] = double.PositiveInfinity }, new Dictionary<string, string>(), -1e-300),
            new ProcessedRow(null!, 5, null!, null!, double.NegativeInfinity),
            new ProcessedRow("ds-1", 6, new Dictionary<string, double> { ["Age"] = 20 }, new Dictionary<string, string>(), 0, "yes — \"churned\""),
        ],
        [new RowRejection(2, "column 'Age' value 'abc' is not a number")]);
        yield return new ProcessedDataPayload(DatasetMessageKinds.DatasetEnd, "ds-1", "sales", Schema, RowCount: 4);
    }

    private static IEnumerable<RejectedRowPayload> RejectedPayloads()
    {
        yield return new RejectedRowPayload(DatasetMessageKinds.RejectedRow, "ds-1", 2, new Dictionary<string, string> { ["Age"] = "abc" }, "column 'Age' value 'abc' is not a number");
    }

    [TestCaseSource(nameof(RawPayloads))]
    public void RawData_WritesWhatTheReflectionOptionsWrite(RawDataPayload payload) =>
        Assert.That(JsonSerializer.Serialize(payload, ContractJson.RawData), Is.EqualTo(JsonSerializer.Serialize(payload, Reference)));

    [TestCaseSource(nameof(ProcessedPayloads))]
    public void ProcessedData_WritesWhatTheReflectionOptionsWrite(ProcessedDataPayload payload) =>
        Assert.That(JsonSerializer.Serialize(payload, ContractJson.ProcessedData), Is.EqualTo(JsonSerializer.Serialize(payload, Reference)));

    [TestCaseSource(nameof(RejectedPayloads))]
    public void RejectedRow_WritesWhatTheReflectionOptionsWrite(RejectedRowPayload payload) =>
        Assert.That(JsonSerializer.Serialize(payload, ContractJson.RejectedRow), Is.EqualTo(JsonSerializer.Serialize(payload, Reference)));

    [TestCaseSource(nameof(RawPayloads))]
    public void RawData_SentTypedAndReadTyped_EqualsTheDomPath(RawDataPayload payload)
    {
        var typed = serializer.Serialize(messages.Create(MessageType.RawData, "ingestion", payload, ContractJson.RawData) with { MessageId = "m" });
        var viaDom = serializer.Serialize(messages.Create(MessageType.RawData, "ingestion", JsonSerializer.SerializeToNode(payload, Reference)!.AsObject()) with { MessageId = "m" });

        var readTyped = serializer.Deserialize(typed).ReadData(ContractJson.RawData);
        var readViaDom = serializer.Deserialize(viaDom).Data.Deserialize<RawDataPayload>(Reference)!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.UTF8.GetString(typed), Is.EqualTo(Encoding.UTF8.GetString(viaDom)));
            Assert.That(Canonical(readTyped), Is.EqualTo(Canonical(readViaDom)));
            Assert.That(Canonical(readTyped), Is.EqualTo(Canonical(payload)));
        }
    }

    [TestCaseSource(nameof(ProcessedPayloads))]
    public void ProcessedData_SentTypedAndReadTyped_EqualsTheDomPath(ProcessedDataPayload payload)
    {
        var typed = serializer.Serialize(messages.Create(MessageType.ProcessedData, "processing", payload, ContractJson.ProcessedData) with { MessageId = "m" });
        var viaDom = serializer.Serialize(messages.Create(MessageType.ProcessedData, "processing", JsonSerializer.SerializeToNode(payload, Reference)!.AsObject()) with { MessageId = "m" });

        var readTyped = serializer.Deserialize(typed).ReadData(ContractJson.ProcessedData);
        var readViaDom = serializer.Deserialize(viaDom).Data.Deserialize<ProcessedDataPayload>(Reference)!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.UTF8.GetString(typed), Is.EqualTo(Encoding.UTF8.GetString(viaDom)));
            Assert.That(Canonical(readTyped), Is.EqualTo(Canonical(readViaDom)));
            Assert.That(Canonical(readTyped), Is.EqualTo(Canonical(payload)));
        }
    }

    [Test]
    public void RejectedRow_ReadThroughTheReflectionOptions_EqualsTheOriginal()
    {
        var payload = RejectedPayloads().Single();
        var bytes = serializer.Serialize(messages.Create(MessageType.RawData, "processing", payload, ContractJson.RejectedRow));

        Assert.That(Canonical(serializer.Deserialize(bytes).Data.Deserialize<RejectedRowPayload>(Reference)!), Is.EqualTo(Canonical(payload)));
    }

    private const string Head = "\"kind\":\"rows\",\"dataset_id\":\"ds\",\"model\":\"m\",\"schema\":{\"label_column\":\"y\",\"features\":[{\"name\":\"a\",\"kind\":\"Numeric\"}],\"excluded_columns\":[]}";

    [TestCase("{" + Head + ",\"rows\":[{\"row_number\":1,\"values\":{\"a\":\"1\",\"b\":\"x\"}},{\"values\":{\"b\":\"y\",\"a\":\"2\",\"c\":null},\"row_number\":2,\"extra\":[1]}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"row_number\":1,\"values\":{\"\\u0061\":\"1\",\"a b\":\"\\u00e9\"},\"error\":\"bad\"},{\"row_number\":2,\"values\":null,\"error\":null},null]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"row_number\":1,\"values\":{\"a\":\"1\",\"a\":\"2\"}},{}]}")]
    [TestCase("{" + Head + ",\"rows\":[]}")]
    [TestCase("{" + Head + ",\"rows\":null,\"row_count\":3}")]
    public void RawData_ReadFromAnyLayout_EqualsTheReflectionReader(string json) =>
        Assert.That(
            Canonical(JsonSerializer.Deserialize(json, ContractJson.RawData)),
            Is.EqualTo(Canonical(JsonSerializer.Deserialize<RawDataPayload>(json, Reference))));

    [TestCase("{" + Head + ",\"rows\":[{\"dataset_id\":\"ds\",\"row_number\":1,\"numeric\":{\"a\":1.5,\"n\":\"NaN\",\"i\":\"-Infinity\"},\"categorical\":{\"c\":\"x\"},\"label\":\"Infinity\"},{\"label\":2,\"categorical\":{},\"numeric\":{\"n\":-0.0,\"a\":1e300},\"row_number\":2,\"dataset_id\":\"other\",\"x\":{}},{\"label\":0,\"label_text\":\"no\",\"row_number\":3}],\"rejected\":[{\"row_number\":3,\"reason\":\"r\"}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"dataset_id\":null,\"numeric\":null,\"categorical\":null},null],\"rejected\":null}")]
    public void ProcessedData_ReadFromAnyLayout_EqualsTheReflectionReader(string json) =>
        Assert.That(
            Canonical(JsonSerializer.Deserialize(json, ContractJson.ProcessedData)),
            Is.EqualTo(Canonical(JsonSerializer.Deserialize<ProcessedDataPayload>(json, Reference))));

    [TestCase("{" + Head + ",\"rows\":[{\"row_number\":\"1\"}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"row_number\":1.5}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"values\":{\"a\":1}}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"values\":[]}]}")]
    [TestCase("{" + Head + ",\"rows\":{}}")]
    [TestCase("{" + Head + ",\"rows\":[[]]}")]
    public void RawData_OfTheWrongShape_FailsLikeTheReflectionReader(string json)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => JsonSerializer.Deserialize<RawDataPayload>(json, Reference), Throws.InstanceOf<JsonException>());
            Assert.That(() => JsonSerializer.Deserialize(json, ContractJson.RawData), Throws.InstanceOf<JsonException>());
        }
    }

    [TestCase("{" + Head + ",\"rows\":[{\"label\":\"nan\"}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"label\":\"1.5\"}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"numeric\":{\"a\":true}}]}")]
    [TestCase("{" + Head + ",\"rows\":[{\"categorical\":{\"a\":1}}]}")]
    public void ProcessedData_OfTheWrongShape_FailsLikeTheReflectionReader(string json)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => JsonSerializer.Deserialize<ProcessedDataPayload>(json, Reference), Throws.InstanceOf<JsonException>());
            Assert.That(() => JsonSerializer.Deserialize(json, ContractJson.ProcessedData), Throws.InstanceOf<JsonException>());
        }
    }

    // The records hold dictionaries and lists, which compare by reference; their JSON compares by value.
    private static string Canonical<T>(T payload) => JsonSerializer.Serialize(payload, Reference);
}
