using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using MlPipeline.Core.Messaging;
using MlPipeline.Tests.Core.Data;
using MlPipeline.Tests.Infrastructure;
using static MlPipeline.Tests.Host.DataPipeline.DataPipelineTestHost;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>CSV in, versioned model out, through the real host, the embedded broker and real Kafka clients.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DataPipelineEndToEndTests
{
    [Test]
    public async Task IngestingTheSample_EndToEnd_StoresAnnouncesAndReportsAModelWithItsHoldoutRSquared()
    {
        using var data = new TemporaryDirectory("data");
        File.Copy(TestData.SalesDatasetPath, Path.Combine(data.Path, "Sales Dataset.csv"));
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path));

        var datasetId = await IngestAsync(host.Client, "Sales Dataset.csv");

        Assert.That(async () => (await GetJsonAsync(host.Client, "/api/models/sales")).TryGetProperty("current", out var current)
                && current.ValueKind == JsonValueKind.Object,
            Is.True.After(60_000, 200));
        var metadata = await GetJsonAsync(host.Client, "/api/models/sales/1");
        var rSquared = metadata.GetProperty("training").GetProperty("metrics").GetProperty("r_squared").GetDouble();
        var events = ReadTopic(BootstrapServers(host), "ml-pipeline-model-training",
            records => records.Any(r => r.Message.Value.Contains("\"promoted\"", StringComparison.Ordinal)));
        var promoted = events.Select(r => JsonDocument.Parse(r.Message.Value).RootElement.GetProperty("data"))
            .Single(e => e.GetProperty("event").GetString() == "promoted");
        var progress = await GetJsonAsync(host.Client, $"/api/ingestions/{datasetId}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rSquared, Is.GreaterThan(0.8), "Total Amount = Quantity × Price per Unit is learnable");
            // Served with the version: permutation importance on the holdout, most important first; the label is a
            // product of these two columns, so one of them leads.
            Assert.That(metadata.GetProperty("training").GetProperty("feature_importance")[0].GetProperty("feature").GetString(),
                Is.AnyOf("Quantity", "Price per Unit"));
            Assert.That(metadata.GetProperty("training").GetProperty("dataset_id").GetString(), Is.EqualTo(datasetId));
            Assert.That(File.Exists(Path.Combine(host.DataDirectory, "models", "sales", "1", "model.zip")), Is.True);
            Assert.That(File.Exists(Path.Combine(host.DataDirectory, "models", "sales", "1", "metadata.json")), Is.True);
            Assert.That(promoted.GetProperty("model").GetString(), Is.EqualTo("sales"));
            Assert.That(promoted.GetProperty("version").GetInt32(), Is.EqualTo(1));
            Assert.That(promoted.GetProperty("metrics").GetProperty("r_squared").GetDouble(), Is.EqualTo(rSquared));
            Assert.That(events.Select(r => r.Message.Key), Is.All.EqualTo("sales"));
            Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("completed"));
            Assert.That(progress.GetProperty("rows_processed").GetInt64(), Is.EqualTo(1000));
        }
    }

    [Test]
    public async Task GeneratedNoisyData_Trained_HoldoutRSquaredIsNearWhatTheNoiseAllows()
    {
        using var data = new TemporaryDirectory("data");
        const double noise = 4.0;
        var (lines, signalVariance) = NoisyDataset(1500, noise, seed: 11);
        WriteCsv(Path.Combine(data.Path, "noisy.csv"), ",Order Date,Region,Units,Discount,Revenue", lines);
        // The best any model can do: the share of the label's variance that is not noise.
        var ceiling = signalVariance / (signalVariance + noise * noise);
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path, "  label_column: Revenue\n"));

        await IngestAsync(host.Client, "noisy.csv", model: "noisy");

        Assert.That(async () => (await host.Client.GetAsync("/api/models/noisy/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(60_000, 200));
        var metadata = await GetJsonAsync(host.Client, "/api/models/noisy/1");
        var rSquared = metadata.GetProperty("training").GetProperty("metrics").GetProperty("r_squared").GetDouble();
        var features = metadata.GetProperty("training").GetProperty("numeric_features").EnumerateArray().Select(f => f.GetString())
            .Concat(metadata.GetProperty("training").GetProperty("categorical_features").EnumerateArray().Select(f => f.GetString()));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rSquared, Is.GreaterThan(ceiling - 0.15).And.LessThanOrEqualTo(ceiling + 0.05), $"ceiling {ceiling:F3}");
            Assert.That(features, Does.Contain("Order Date.month").And.Contain("Region").And.Contain("Units"));
            Assert.That(features, Does.Not.Contain("Revenue").And.Not.Contain("index"));
        }
    }

    [Test]
    public async Task FileWithBadRows_Ingested_TrainsOnGoodRowsAndDeadLettersEveryBadRowWithItsReason()
    {
        using var data = new TemporaryDirectory("data");
        var lines = File.ReadLines(TestData.SalesDatasetPath).Skip(1).Take(200).ToList();
        lines[9] = "9,2023-01-01,Male,abc,Beauty,2,50,100";        // non-numeric Age
        lines[19] = "19,2023-01-02,Female,30,Beauty,2,50,";       // missing label
        lines[29] = "29,2023-01-03,Male,30,Beauty,2,50,100,extra"; // wrong column count
        WriteCsv(Path.Combine(data.Path, "bad.csv"), File.ReadLines(TestData.SalesDatasetPath).First(), lines);
        // The schema comes from the rows before the bad ones (inference would rightly call an 'abc' Age categorical).
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path, "  schema_sample_rows: 5\n"));

        var datasetId = await IngestAsync(host.Client, "bad.csv");

        Assert.That(async () => (await host.Client.GetAsync("/api/models/sales/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(60_000, 200));
        var progress = await GetJsonAsync(host.Client, $"/api/ingestions/{datasetId}");
        var metadata = await GetJsonAsync(host.Client, "/api/models/sales/1");
        var deadLetters = ReadTopic(BootstrapServers(host), "ml-pipeline-dead-letter", records => records.Count >= 3);
        var reasons = deadLetters.ToDictionary(r => Header(r, "row_number"), r => Header(r, KafkaHeaderNames.DeadLetterError));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(progress.GetProperty("rows_rejected").GetInt64(), Is.EqualTo(3));
            Assert.That(progress.GetProperty("rows_processed").GetInt64(), Is.EqualTo(197));
            Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("completed"));
            Assert.That(metadata.GetProperty("training").GetProperty("train_row_count").GetInt32()
                + metadata.GetProperty("training").GetProperty("holdout_row_count").GetInt32(), Is.EqualTo(197));
            Assert.That(deadLetters, Has.Count.EqualTo(3));
            Assert.That(reasons["10"], Does.Contain("'Age'").And.Contain("not a number"));
            Assert.That(reasons["20"], Does.Contain("label 'Total Amount' is missing"));
            Assert.That(reasons["30"], Does.Contain("9 columns"));
            Assert.That(deadLetters.Select(r => Header(r, KafkaHeaderNames.DeadLetterSourceTopic)), Is.All.EqualTo("ml-pipeline-raw-data"));
            Assert.That(deadLetters.Select(r => r.Message.Key), Is.All.EqualTo(datasetId));
        }
    }

    [Test]
    public async Task PathsOutsideTheDataFolder_Refused_With400AndNothingProduced()
    {
        using var data = new TemporaryDirectory("data");
        using var outside = new TemporaryDirectory("outside");
        var secret = Path.Combine(outside.Path, "secret.csv");
        File.Copy(TestData.SalesDatasetPath, secret);
        File.CreateSymbolicLink(Path.Combine(data.Path, "link.csv"), secret);
        Directory.CreateSymbolicLink(Path.Combine(data.Path, "linkdir"), outside.Path);
        var relativeOut = Path.GetRelativePath(data.Path, secret);
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path));

        string[] attempts =
        [
            relativeOut, "../secret.csv", secret, "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
            "link.csv", "linkdir/secret.csv",
        ];
        var answers = new List<(string Path, HttpStatusCode Status, string Body)>();
        foreach (var attempt in attempts)
        {
            using var response = await host.Client.PostAsJsonAsync("/api/ingest", new { file_path = attempt });
            answers.Add((attempt, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        using var missing = await host.Client.PostAsJsonAsync("/api/ingest", new { file_path = "missing.csv" });
        using var admin = KafkaTestClients.BuildAdmin(KafkaTestClients.AdminConfig(BootstrapServers(host)));
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, Ignore>(KafkaTestClients.ConsumerConfig(BootstrapServers(host)));
        Assert.That(() => admin.GetMetadata("ml-pipeline-raw-data", TimeSpan.FromSeconds(5)).Topics.Single().Partitions, Is.Not.Empty.After(20_000, 200));
        var partitions = admin.GetMetadata("ml-pipeline-raw-data", TimeSpan.FromSeconds(5)).Topics.Single().Partitions;
        var highWatermarks = partitions.Select(p => consumer.QueryWatermarkOffsets(new TopicPartition("ml-pipeline-raw-data", p.PartitionId), TimeSpan.FromSeconds(5)).High.Value);
        using (Assert.EnterMultipleScope())
        {
            foreach (var (path, status, body) in answers)
            {
                Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), path);
                Assert.That(body, Does.Contain("outside the data folder"), path);
            }

            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(highWatermarks, Is.All.EqualTo(0L), "no RAW_DATA message was produced");
        }
    }

    [Test]
    public async Task FirstStartWithEmptyModelStore_SampleSwitchOn_IngestsTheSampleAndTrainsTheDefaultModel()
    {
        using var data = new TemporaryDirectory("data");
        File.Copy(TestData.SalesDatasetPath, Path.Combine(data.Path, "Sales Dataset.csv"));
        await using var host = await PipelineHostRunner.StartAsync(
            Yaml(data.Path).Replace("ingest_sample_on_first_start: false", "ingest_sample_on_first_start: true", StringComparison.Ordinal));

        Assert.That(async () => (await host.Client.GetAsync("/api/models/sales/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(60_000, 200));
    }

    [Test]
    public async Task UploadedCsv_Ingested_TrainsTheNamedModel()
    {
        using var data = new TemporaryDirectory("data");
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path));
        using var content = new StringContent(File.ReadAllText(TestData.SalesDatasetPath), System.Text.Encoding.UTF8, "text/csv");

        using var response = await host.Client.PostAsync("/api/ingest/upload?model=uploaded", content);
        var datasetId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("dataset_id").GetString();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(async () => (await GetJsonAsync(host.Client, $"/api/ingestions/{datasetId}")).GetProperty("state").GetString(),
            Is.EqualTo("completed").After(60_000, 200));
        Assert.That(async () => (await host.Client.GetAsync("/api/models/uploaded/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(60_000, 200));
    }

    /// <summary>Revenue = 4·Units + region effect + 1.5·month − 20·Discount + N(0, σ²); returns the lines and the signal's variance.</summary>
    private static (List<string> Lines, double SignalVariance) NoisyDataset(int count, double noise, int seed)
    {
        var random = new Random(seed);
        var regions = new Dictionary<string, double> { ["north"] = 0, ["south"] = 12, ["east"] = -8, ["west"] = 5 };
        var names = regions.Keys.ToArray();
        var lines = new List<string>(count);
        var signals = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var date = new DateTime(2023, 1, 1).AddDays(random.Next(365));
            var region = names[random.Next(names.Length)];
            var units = random.Next(1, 20);
            var discount = Math.Round(random.NextDouble() * 0.5, 2);
            var signal = 4 * units + regions[region] + 1.5 * date.Month - 20 * discount;
            // Box-Muller: a normal draw from two uniform ones.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            signals.Add(signal);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{i},{date:yyyy-MM-dd},{region},{units},{discount},{signal + noise * gaussian:F3}"));
        }

        var mean = signals.Average();
        return (lines, signals.Sum(s => (s - mean) * (s - mean)) / count);
    }
}
