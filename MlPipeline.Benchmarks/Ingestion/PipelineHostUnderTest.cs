using System.Net.Http.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Host;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Benchmarks.Ingestion;

/// <summary>
/// The real service, in this process, as `dotnet run` starts it (PipelineApplication.BuildAsync): embedded broker
/// on a free port with its log on disk, HTTP on a free loopback port, every directory under a fresh temporary
/// one that is deleted on dispose. Training is left on (its stage stores every processed row, as in production)
/// but min_rows is out of reach, so no model is fitted: the run measures ingestion and processing.
/// </summary>
public sealed class PipelineHostUnderTest : IAsyncDisposable
{
    /// <summary>Partitions of the pipeline topics (the shipped default); one dataset uses one of them.</summary>
    public const int Partitions = 3;

    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly IConsumer<Ignore, Ignore> _watermarks;
    private readonly string _processedTopic;

    private readonly ManualResetEventSlim _quiet;

    private PipelineHostUnderTest(WebApplication app, HttpClient client, IConsumer<Ignore, Ignore> watermarks, string directory, ManualResetEventSlim quiet)
    {
        _quiet = quiet;
        _app = app;
        _processedTopic = app.Services.GetRequiredService<PipelineConfig>().Topics.ProcessedDataTopic;
        _client = client;
        _watermarks = watermarks;
        Directory = directory;
    }

    /// <summary>The temporary root; CSVs to ingest go in its data/ folder.</summary>
    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public static async Task<PipelineHostUnderTest> StartAsync(IngestionBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("mlpipeline-bench-ingest-").FullName;
        var quiet = new ManualResetEventSlim(false);
        WebApplication? app = null;
        try
        {
            string configPath = Path.Combine(directory, "kafka_config.yaml");
            await File.WriteAllTextAsync(configPath, Config(directory, settings), cancellationToken);
            app = await PipelineApplication.BuildAsync(
                new PipelineHostSettings(configPath, new Dictionary<string, string?>(), []),
                // Warnings show during the run; the refused training (min_rows) and the host's shutdown are not news.
                logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter((category, level) =>
                    level >= LogLevel.Warning && !quiet.IsSet && category?.StartsWith("MlPipeline.Core.Training", StringComparison.Ordinal) != true),
                cancellationToken);
            await app.StartAsync(cancellationToken);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
            var watermarks = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
                {
                    BootstrapServers = app.Services.GetRequiredService<KafkaEndpoint>().BootstrapServers,
                    GroupId = "bench-watermarks",
                    EnableAutoCommit = false,
                })
                .SetLogHandler((_, message) =>
                {
                    if (message.Level <= SyslogLevel.Warning) Console.Error.WriteLine($"librdkafka {message.Level}: {message.Message}");
                })
                .Build();
            return new PipelineHostUnderTest(app, client, watermarks, directory, quiet);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            quiet.Dispose();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>POST /api/ingest, as a client would; returns the dataset id.</summary>
    public async Task<string> SubmitAsync(string fileName, CancellationToken cancellationToken)
    {
        using var response = await _client.PostAsJsonAsync("/api/ingest", new { file_path = fileName }, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /api/ingest answered {(int)response.StatusCode}: {body}");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("dataset_id").GetString()
            ?? throw new InvalidOperationException($"POST /api/ingest answered without a dataset_id: {body}");
    }

    /// <summary>GET /api/ingestions/{id}: rows read, published, stored by training, rejected, and the state.</summary>
    public async Task<IngestionProgress?> GetProgressAsync(string datasetId, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync($"/api/ingestions/{datasetId}", cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<IngestionProgress>(ContractJson.CreateOptions(), cancellationToken);
    }

    /// <summary>Messages on the processed-data topic (sum of the partitions' high watermarks; the topic is never compacted).</summary>
    public long ProcessedMessages()
    {
        long total = 0;
        for (int partition = 0; partition < Partitions; partition++)
        {
            var offsets = _watermarks.QueryWatermarkOffsets(new TopicPartition(_processedTopic, partition), TimeSpan.FromSeconds(10));
            total += offsets.High.Value;
        }
        return total;
    }

    public async ValueTask DisposeAsync()
    {
        _quiet.Set();
        _watermarks.Dispose();
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
        _quiet.Dispose();
    }

    private static string Config(string directory, IngestionBenchmarkSettings settings) => $"""
        broker:
          mode: embedded
          port: 0
          host: 127.0.0.1
          data_dir: "{Path.Combine(directory, "broker")}"
          partitions: {Partitions}
        producer:
          linger_ms: {settings.LingerMs}
        http:
          host: 127.0.0.1
          port: 0
        data:
          data_dir: "{Path.Combine(directory, "data")}"
          ingest_sample_on_first_start: false
          chunk_size: {settings.ChunkSize}
        training:
          data_dir: "{Path.Combine(directory, "training")}"
          models_dir: "{Path.Combine(directory, "models")}"
          min_rows: {int.MaxValue}
        """;
}
