using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Host.Hosting;
using MlPipeline.Tests.Core.Serving;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// The real service with a model store holding two versions of <see cref="ModelName"/> (version 1 current), plus
/// what tests need around it: the requests they send, the scorer to compare with, and promotion announced on the
/// model_training topic by a plain Kafka producer, as training would.
/// </summary>
internal sealed class ServingHost : IAsyncDisposable
{
    public const string ModelName = "sales";
    public const int MaxRequestBytes = 4096;

    private static readonly JsonSerializerOptions EventJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly TemporaryDirectory models;

    private ServingHost(PipelineHostRunner runner, TemporaryDirectory models, ModelStore store, ServingModelFixture trained)
    {
        Runner = runner;
        this.models = models;
        Store = store;
        Trained = trained;
    }

    public PipelineHostRunner Runner { get; }

    public HttpClient Client => Runner.Client;

    public ModelStore Store { get; }

    public ServingModelFixture Trained { get; }

    public string BootstrapServers => Runner.Service<KafkaEndpoint>().BootstrapServers;

    /// <param name="extraYaml">More sections for the host's configuration (e.g. an external broker).</param>
    /// <param name="promote">False starts with both versions stored but none promoted: no model is served yet.</param>
    /// <param name="addLogging">Passed to <see cref="PipelineHostRunner.StartAsync"/> (e.g. to capture the log).</param>
    public static async Task<ServingHost> StartAsync(
        ServingModelFixture trained, string extraYaml = "", bool promote = true, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? addLogging = null)
    {
        var models = new TemporaryDirectory();
        try
        {
            var store = await trained.StoreWithBothVersionsAsync(models, ModelName);
            if (promote)
                await store.PromoteAsync(ModelName, 1, CancellationToken.None);
            var runner = await PipelineHostRunner.StartAsync(
                $"training:\n  models_dir: \"{models.Path}\"\nserving:\n  default_model: {ModelName}\n  max_request_bytes: {MaxRequestBytes}\n{extraYaml}",
                addLogging: addLogging);
            return new ServingHost(runner, models, store, trained);
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    /// <summary>Row <paramref name="row"/>'s features in model order, numbers as JSON numbers.</summary>
    public JsonArray FeatureArray(int row)
    {
        var raw = Trained.Data.RawRows[row];
        return new JsonArray(
            double.Parse(raw["x1"], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(raw["x2"], System.Globalization.CultureInfo.InvariantCulture),
            raw["category"],
            raw["when"]);
    }

    /// <summary>What version <paramref name="version"/> predicts for row <paramref name="row"/>, scored directly.</summary>
    public async Task<double?> ExpectedPredictionAsync(int row, int version)
    {
        using var scorer = new ModelScorer(await Store.LoadModelAsync(ModelName, version, CancellationToken.None));
        var raw = Trained.Data.RawRows[row];
        object?[] values =
        [
            double.Parse(raw["x1"], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(raw["x2"], System.Globalization.CultureInfo.InvariantCulture),
            raw["category"],
            raw["when"],
        ];
        return scorer.Score(values).Prediction;
    }

    public async Task<JsonElement> PostAsync(string path, JsonNode body)
    {
        using var response = await Client.PostAsJsonAsync(path, body);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Promotes <paramref name="version"/> in the store and announces it like training does.</summary>
    public async Task PromoteAndAnnounceAsync(int version)
    {
        await Store.PromoteAsync(ModelName, version, CancellationToken.None);
        var data = (JsonObject)JsonSerializer.SerializeToNode(
            new ModelTrainingEvent(ModelTrainingEventKind.Promoted, ModelName, version, "synthetic", null, version - 1, null, false, "test promotion"),
            EventJson)!;
        var envelope = new KafkaMessageFactory(TimeProvider.System).Create(MessageType.ModelTraining, "training", data);
        using var producer = KafkaTestClients.BuildProducer<string, byte[]>(KafkaTestClients.ProducerConfig(BootstrapServers));
        await producer.ProduceAsync("ml-pipeline-model-training", new Message<string, byte[]>
        {
            Key = ModelName,
            Value = new KafkaMessageSerializer().Serialize(envelope),
            Headers = new Headers { { KafkaHeaderNames.MessageType, Encoding.UTF8.GetBytes("model_training") } },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync();
        models.Dispose();
    }
}
