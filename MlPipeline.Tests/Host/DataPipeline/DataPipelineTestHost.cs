using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using MlPipeline.Host.Hosting;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>
/// YAML and HTTP helpers for the data pipeline's end-to-end tests: a data folder the test owns, fast training
/// (few small trees) and one partition per topic so high watermarks are easy to read.
/// </summary>
internal static class DataPipelineTestHost
{
    public const string FastTraining = "  trainer: fasttree\n  number_of_trees: 20\n  number_of_leaves: 8\n  minimum_example_count_per_leaf: 5\n  threads: 1\n";

    public static string Yaml(string dataDirectory, string extraData = "", string extraTraining = "") =>
        $"data:\n  data_dir: \"{dataDirectory}\"\n  ingest_sample_on_first_start: false\n{extraData}" +
        $"training:\n  data_dir: \"{{dir}}/training\"\n  models_dir: \"{{dir}}/models\"\n{FastTraining}{extraTraining}";

    public static string BootstrapServers(PipelineHostRunner host) => host.Service<KafkaEndpoint>().BootstrapServers;

    public static async Task<string> IngestAsync(HttpClient client, string filePath, string? model = null)
    {
        using var response = await client.PostAsJsonAsync("/api/ingest", new { file_path = filePath, model });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(202), body);
        return JsonDocument.Parse(body).RootElement.GetProperty("dataset_id").GetString()!;
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Reads <paramref name="topic"/> from the beginning until <paramref name="enough"/> holds or 20 s pass.</summary>
    public static List<ConsumeResult<string?, string>> ReadTopic(string bootstrapServers, string topic, Func<List<ConsumeResult<string?, string>>, bool> enough)
    {
        using var consumer = KafkaTestClients.BuildConsumer<string?, string>(KafkaTestClients.ConsumerConfig(bootstrapServers));
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<string?, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!enough(records) && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    public static string Header(ConsumeResult<string?, string> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "";

    /// <summary>Writes a CSV (CRLF line ends, a BOM and a pandas index column, as real exports have).</summary>
    public static void WriteCsv(string path, string header, IEnumerable<string> lines)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)) { NewLine = "\r\n" };
        writer.WriteLine(header);
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }
}
