using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace MlPipeline.Tests.Host;

[Parallelizable(ParallelScope.All)]
public sealed class HostStartupTests
{
    [Test]
    public async Task EmbeddedMode_Started_ServesHealthyHealthAndKafkaHealth()
    {
        await using var host = await PipelineHostRunner.StartAsync();

        // Topics are created in the background; health turns Healthy once they exist.
        Assert.That(async () => (await host.Client.GetAsync("/health")).StatusCode,
            Is.EqualTo(HttpStatusCode.OK).After(20_000, 200));
        Assert.That(async () => (await GetJsonAsync(host, "/health")).GetProperty("status").GetString(),
            Is.EqualTo("Healthy").After(20_000, 200));

        var kafka = await GetJsonAsync(host, "/api/health/kafka");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kafka.GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(kafka.GetProperty("broker_reachable").GetBoolean(), Is.True);
            Assert.That(kafka.GetProperty("missing_topics").GetArrayLength(), Is.Zero);
            Assert.That(kafka.GetProperty("present_topics").EnumerateArray().Select(t => t.GetString()),
                Does.Contain("ml-pipeline-raw-data").And.Contain("ml-pipeline-dead-letter"));
        }
    }

    [Test]
    public async Task EmbeddedMode_Started_CreatesEveryConfiguredTopicWithConfiguredPartitions()
    {
        await using var host = await PipelineHostRunner.StartAsync(
            "broker:\n  mode: embedded\n  port: 0\n  partitions: 2\n  data_dir: \"{dir}/broker\"\n");

        Assert.That(async () => (await GetJsonAsync(host, "/api/topics")).GetProperty("missing_configured_topics").GetArrayLength(),
            Is.Zero.After(20_000, 200));
        var topics = (await GetJsonAsync(host, "/api/topics")).GetProperty("topics").EnumerateArray()
            .Where(topic => topic.GetProperty("configured_as").ValueKind == JsonValueKind.String)
            .ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(topics, Has.Length.EqualTo(10), "nine pipeline topics plus dead-letter");
            Assert.That(topics.Select(topic => topic.GetProperty("partitions").GetInt32()), Is.All.EqualTo(2));
        }
    }

    [Test]
    public async Task EmbeddedMode_WithClientTopicAdminOff_StillCreatesEveryConfiguredTopic_ButRefusesAClientsCreateTopics()
    {
        await using var host = await PipelineHostRunner.StartAsync(
            "broker:\n  mode: embedded\n  port: 0\n  allow_client_topic_admin: false\n  data_dir: \"{dir}/broker\"\n");

        Assert.That(async () => (await GetJsonAsync(host, "/api/topics")).GetProperty("missing_configured_topics").GetArrayLength(),
            Is.Zero.After(20_000, 200));
        using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig
        {
            BootstrapServers = host.Service<MlPipeline.Host.Hosting.KafkaEndpoint>().BootstrapServers,
            SocketTimeoutMs = 5_000,
        }).Build();
        var failure = Assert.ThrowsAsync<Confluent.Kafka.Admin.CreateTopicsException>(() => admin.CreateTopicsAsync(
            [new Confluent.Kafka.Admin.TopicSpecification { Name = "not-allowed", NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.That(failure!.Results.Single().Error.Code, Is.EqualTo(Confluent.Kafka.ErrorCode.ClusterAuthorizationFailed));
    }

    [Test]
    public async Task ExternalMode_NothingListening_ReportsBrokerUnreachableWithinTimeout()
    {
        int deadPort = ClosedPort();
        var started = DateTimeOffset.UtcNow;
        await using var host = await PipelineHostRunner.StartAsync(
            "broker:\n  mode: external\n  startup_timeout_seconds: 2\n",
            new Dictionary<string, string?> { ["KAFKA_BOOTSTRAP_SERVERS"] = $"127.0.0.1:{deadPort}" });

        var response = await host.Client.GetAsync("/api/health/kafka");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var status = await GetJsonAsync(host, "/api/status");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body.GetProperty("broker_reachable").GetBoolean(), Is.False);
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
            Assert.That(DateTimeOffset.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(15)),
                "start-up plus one health check must be bounded by the configured timeout, not hang");
            Assert.That(status.GetProperty("healthy").GetBoolean(), Is.False);
            Assert.That(status.GetProperty("broker").GetProperty("mode").GetString(), Is.EqualTo("external"));
        }
    }

    [Test]
    public async Task Status_EmbeddedMode_ReportsBrokerAddressAndTopicsReady()
    {
        await using var host = await PipelineHostRunner.StartAsync();

        Assert.That(async () => (await GetJsonAsync(host, "/api/status")).GetProperty("healthy").GetBoolean(),
            Is.True.After(20_000, 200));
        var status = await GetJsonAsync(host, "/api/status");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.GetProperty("broker").GetProperty("mode").GetString(), Is.EqualTo("embedded"));
            Assert.That(status.GetProperty("broker").GetProperty("bootstrap_servers").GetString(), Does.StartWith("127.0.0.1:"));
            Assert.That(status.GetProperty("topics").GetProperty("ready").GetBoolean(), Is.True);
            Assert.That(status.GetProperty("kafka").GetProperty("broker_reachable").GetBoolean(), Is.True);
        }
    }

    [Test]
    public async Task OpenApiDocument_Served_ListsEveryEndpoint()
    {
        await using var host = await PipelineHostRunner.StartAsync();

        var document = await GetJsonAsync(host, "/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(path => path.Name).ToArray();
        Assert.That(paths, Is.SupersetOf(new[] { "/api/health/kafka", "/api/topics", "/api/status" }));
    }

    private static async Task<JsonElement> GetJsonAsync(PipelineHostRunner host, string path)
    {
        using var response = await host.Client.GetAsync(path);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // A port that was free a moment ago and has nothing listening now.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
