using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Time.Testing;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Contracts;

/// <summary>
/// Every payload that crosses a topic is a record in Contracts/ and goes through the one source-generated context
/// (<see cref="ContractJson"/>): each topic has its payload type, each type round-trips through an envelope, and what
/// the context writes is the contract's policy (<see cref="ContractJson.CreateOptions"/>) to the byte.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ContractJsonTests
{
    // The MONITORING snapshots (Monitoring/MonitoringData.cs) are built from monitoring's own types and still go
    // through MonitoringJson; moving them into Contracts/ is the remaining step of issue 11 for these two topics.
    private static readonly string[] TopicsOutsideTheContext = ["topics.pipeline_monitoring_topic", "topics.model_monitoring_topic"];

    private static readonly DatasetSchema Schema = new(
        "Total Amount",
        [new FeatureColumn("Date", FeatureKind.Date), new FeatureColumn("Age", FeatureKind.Numeric), new FeatureColumn("Product Category", FeatureKind.Categorical)],
        [new ExcludedColumn("Transaction ID", "identifier")]);

    private static readonly RegressionMetricsSummary Metrics = new(double.NaN, 12.5, 9.75);

    /// <summary>topic key path → a payload of its type with every field set, nulls and non-finite numbers where allowed.</summary>
    private static readonly IReadOnlyDictionary<string, ContractCase> Cases = new Dictionary<string, ContractCase>
    {
        ["topics.raw_data_topic"] = ContractCase.Of(MessageType.RawData, ContractJson.RawData, new RawDataPayload(
            DatasetMessageKinds.Rows, "ds-1", "sales", Schema,
            [new RawRow(1, new Dictionary<string, string> { ["Age"] = "34", ["Product Category"] = "Beauty" }, null), new RawRow(2, new Dictionary<string, string>(), "expected 5 fields, found 1")],
            RowCount: 2, FileName: "sales.csv")),
        ["topics.processed_data_topic"] = ContractCase.Of(MessageType.ProcessedData, ContractJson.ProcessedData, new ProcessedDataPayload(
            DatasetMessageKinds.Rows, "ds-1", "sales", Schema,
            [new ProcessedRow("ds-1", 1, new Dictionary<string, double> { ["Age"] = 34, ["Date.year"] = 2023, ["odd"] = double.NaN }, new Dictionary<string, string> { ["Product Category"] = "Beauty" }, 150)],
            [new RowRejection(2, "column 'Age' value 'abc' is not a number")])),
        ["error_handling.dead_letter_topic"] = ContractCase.Of(MessageType.RawData, ContractJson.RejectedRow, new RejectedRowPayload(
            DatasetMessageKinds.RejectedRow, "ds-1", 2, new Dictionary<string, string> { ["Age"] = "abc" }, "column 'Age' value 'abc' is not a number")),
        ["topics.model_training_topic"] = ContractCase.Of(MessageType.ModelTraining, ContractJson.ModelTraining, new ModelTrainingEvent(
            ModelTrainingEventKind.Promoted, "sales", 3, "ds-1", Metrics, 2, Metrics with { RSquared = 0.5 }, true, "better R²")),
        ["topics.model_evaluation_topic"] = ContractCase.Of(MessageType.ModelEvaluation, ContractJson.ModelEvaluation, new ModelEvaluationReport(
            "sales", 3, null, "FastTree", TrainingTask.Regression, Metrics, null, 800, 200)),
        ["topics.prediction_requests_topic"] = ContractCase.Of(MessageType.PredictionRequest, ContractJson.PredictionRequest, new PredictionRequestPayload(
            new JsonArray(100, "Beauty", null), JsonValue.Create("sales"))),
        ["topics.prediction_results_topic"] = ContractCase.Of(MessageType.PredictionResult, ContractJson.PredictionResult, new PredictionResult(
            PredictionResult.Failed, null, "sales", null, new JsonObject { ["Age"] = 34 }, "no model 'sales' yet")),
        ["topics.alerts_topic"] = ContractCase.Of(MessageType.Alert, ContractJson.Alert, new AlertEvent(
            "a-1", "error_rate", "processing", AlertSeverity.Critical, AlertStatus.Firing, 0.25, 0.1, "error rate 25 % over 10 %",
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(5), 2)),
    };

    private static IEnumerable<TestCaseData> TopicCases() =>
        Cases.Select(entry => new TestCaseData(entry.Value).SetArgDisplayNames(entry.Key));

    [Test]
    public void EveryConfiguredTopic_HasItsPayloadTypeInTheContext()
    {
        var topics = new TopicsOptions().All.Select(topic => topic.KeyPath).Except(TopicsOutsideTheContext);

        Assert.That(Cases.Keys, Is.EquivalentTo(topics));
    }

    [Test]
    public void EveryTopic_IsDocumentedInTopicsMd()
    {
        var doc = File.ReadAllText(RepositoryPaths.File("docs", "topics.md"));

        Assert.That(new TopicsOptions().All.Where(topic => !doc.Contains($"`{topic.KeyPath}`", StringComparison.Ordinal)), Is.Empty,
            "give each topic a section naming its key in docs/topics.md");
    }

    [TestCaseSource(nameof(TopicCases))]
    public void TopicPayload_RoundTripsThroughAnEnvelopeAndTheContext(ContractCase contract) =>
        Assert.That(contract.RoundTrip(), Is.EqualTo(contract.Written()));

    [TestCaseSource(nameof(TopicCases))]
    public void TopicPayload_IsWrittenByTheContextAsTheContractPolicyWritesIt(ContractCase contract) =>
        Assert.That(contract.Written(), Is.EqualTo(contract.WrittenByPolicy()));

    [Test]
    public void EveryPublicTypeOfContracts_ResolvesThroughTheContext()
    {
        var types = typeof(ContractJson).Assembly.GetTypes()
            .Where(type => type.IsPublic && type.Namespace == typeof(ContractJson).Namespace && !(type.IsAbstract && type.IsSealed))
            .ToArray();

        Assert.That(types, Has.Length.GreaterThan(10));
        Assert.That(types.Where(type => !Resolves(type)).Select(type => type.Name), Is.Empty,
            "add the payload to ContractJsonContext ([JsonSerializable]) so it is (de)serialized by the one context");
    }

    private static bool Resolves(Type type)
    {
        try
        {
            return ContractJson.Options.GetTypeInfo(type) is not null;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>One topic's payload, with the three ways of writing it the tests compare.</summary>
    public abstract class ContractCase
    {
        private static readonly KafkaMessageFactory Messages = new(new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        private static readonly KafkaMessageSerializer Serializer = new();

        public static ContractCase Of<T>(MessageType type, JsonTypeInfo<T> typeInfo, T payload) => new Typed<T>(type, typeInfo, payload);

        /// <summary>The payload through the context.</summary>
        public abstract string Written();

        /// <summary>The payload through reflection with <see cref="ContractJson.CreateOptions"/>.</summary>
        public abstract string WrittenByPolicy();

        /// <summary>Sent in an envelope, read back with the context, written again.</summary>
        public abstract string RoundTrip();

        private sealed class Typed<T>(MessageType type, JsonTypeInfo<T> typeInfo, T payload) : ContractCase
        {
            public override string Written() => JsonSerializer.Serialize(payload, typeInfo);

            public override string WrittenByPolicy() => JsonSerializer.Serialize(payload, ContractJson.CreateOptions());

            public override string RoundTrip()
            {
                var bytes = Serializer.Serialize(Messages.Create(type, "contract-test", payload, typeInfo));
                return JsonSerializer.Serialize(Serializer.Deserialize(bytes).ReadData(typeInfo), typeInfo);
            }

            public override string ToString() => typeof(T).Name;
        }
    }
}
