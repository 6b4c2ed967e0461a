using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>
/// The honest crash: the host runs as its own process (MlPipeline.Host.dll from its build output) and is killed
/// with SIGKILL mid-ingestion, three times over, so no shutdown code, flush or commit runs. A last process on the same
/// data directories must end with every row of the dataset stored exactly once.
/// </summary>
[Parallelizable(ParallelScope.Self)]
public sealed class HostKilledMidIngestionTests
{
    private const int RowCount = 20_000;
    private const int Kills = 3;

    [Test]
    public async Task HostKilledThreeTimesMidIngestion_Restarted_TrainingStoreHoldsEveryRowExactlyOnce()
    {
        using var directory = new TemporaryDirectory("killed-host");
        var dataDirectory = Directory.CreateDirectory(Path.Combine(directory.Path, "data")).FullName;
        DataPipelineTestHost.WriteCsv(Path.Combine(dataDirectory, "large.csv"), ",Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount",
            Enumerable.Range(0, RowCount).Select(i => string.Create(CultureInfo.InvariantCulture,
                $"{i},2023-{i % 12 + 1:00}-{i % 28 + 1:00},{(i % 2 == 0 ? "Male" : "Female")},{18 + i % 50},Beauty,{1 + i % 4},{25 * (1 + i % 3)},{(1 + i % 4) * 25 * (1 + i % 3)}")));
        var configPath = Path.Combine(directory.Path, "kafka_config.yaml");
        File.WriteAllText(configPath, $"""
            broker:
              mode: embedded
              port: 0
              data_dir: "{directory.Path}/broker"
              partitions: 1
            http:
              host: 127.0.0.1
              port: 0
            producer:
              linger_ms: 1
            error_handling:
              retry_delay_seconds: 0
            data:
              data_dir: "{dataDirectory}"
              chunk_size: 25
              ingest_sample_on_first_start: false
            training:
              data_dir: "{directory.Path}/training"
              models_dir: "{directory.Path}/models"
            {DataPipelineTestHost.FastTraining}
            """);

        string datasetId;
        var statesAtKill = new List<string>();
        using (var first = await HostProcess.StartAsync(configPath))
        {
            using var response = await first.Client.PostAsJsonAsync("/api/ingest", new { file_path = "large.csv" });
            datasetId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("dataset_id").GetString()!;
            Assert.That(async () => (await Progress(first.Client, datasetId)).GetProperty("rows_published").GetInt64(), Is.GreaterThan(0).After(30_000, 10));
            statesAtKill.Add((await Progress(first.Client, datasetId)).GetProperty("state").GetString()!);
            await first.KillAsync();
        }

        // Killed again as soon as each restarted host has moved the dataset on: resumed ingestion, redelivered
        // records and the training store's dedupe are each interrupted mid-way.
        for (var kill = 2; kill <= Kills; kill++)
        {
            using var restarted = await HostProcess.StartAsync(configPath);
            var before = await Progress(restarted.Client, datasetId);
            var moved = before.GetProperty("rows_published").GetInt64() + before.GetProperty("rows_processed").GetInt64();
            Assert.That(async () =>
            {
                var now = await Progress(restarted.Client, datasetId);
                return now.GetProperty("rows_published").GetInt64() + now.GetProperty("rows_processed").GetInt64();
            }, Is.GreaterThan(moved).After(60_000, 10), $"host {kill} moves the dataset on");
            statesAtKill.Add((await Progress(restarted.Client, datasetId)).GetProperty("state").GetString()!);
            await restarted.KillAsync();
        }

        Assert.That(statesAtKill, Has.Count.EqualTo(Kills).And.None.EqualTo("completed"), "every SIGKILL landed during the ingestion");
        using (var second = await HostProcess.StartAsync(configPath))
        {
            Assert.That(async () => (await Progress(second.Client, datasetId)).GetProperty("state").GetString(), Is.EqualTo("completed").After(120_000, 200));
            await second.KillAsync();
        }

        await using var store = await TrainingDataStore.OpenAsync(new TrainingDataStoreOptions { Directory = Path.Combine(directory.Path, "training") }, CancellationToken.None);
        var rowNumbers = new List<long>();
        await foreach (var row in store.ReadRowsAsync(datasetId, CancellationToken.None))
        {
            rowNumbers.Add(row.RowNumber);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rowNumbers, Has.Count.EqualTo(RowCount), "no row lost, none stored twice");
            Assert.That(rowNumbers.Distinct().Count(), Is.EqualTo(RowCount));
            Assert.That(rowNumbers.Min(), Is.EqualTo(1));
            Assert.That(rowNumbers.Max(), Is.EqualTo(RowCount));
        }
    }

    private static async Task<JsonElement> Progress(HttpClient client, string datasetId) =>
        await DataPipelineTestHost.GetJsonAsync(client, $"/api/ingestions/{datasetId}");

    /// <summary>MlPipeline.Host.dll as a child process; its HTTP address is read from Kestrel's "Now listening on" line.</summary>
    private sealed class HostProcess : IDisposable
    {
        private readonly Process process;

        private HostProcess(Process process, HttpClient client)
        {
            this.process = process;
            Client = client;
        }

        public HttpClient Client { get; }

        public static async Task<HostProcess> StartAsync(string configPath)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(HostAssemblyPath());
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(configPath);
            info.Environment["Logging__LogLevel__Default"] = "Warning";
            info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
            var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, line) =>
            {
                const string marker = "Now listening on: ";
                if (line.Data?.Contains(marker, StringComparison.Ordinal) == true)
                {
                    listening.TrySetResult(line.Data[(line.Data.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
                }
            };
            process.ErrorDataReceived += (_, line) => { if (line.Data is not null) TestContext.Progress.WriteLine($"[host process] {line.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
                return new HostProcess(process, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) });
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        /// <summary>SIGKILL: no drain, no commit, no flush.</summary>
        public async Task KillAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        public void Dispose()
        {
            Client.Dispose();
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }

        /// <summary>The host's own build output: its runtimeconfig loads the ASP.NET Core shared framework it needs.</summary>
        private static string HostAssemblyPath()
        {
            var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDirectory.Parent!.Name;
            var solutionDirectory = tfmDirectory.Parent.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(solutionDirectory, "MlPipeline.Host", "bin", configuration, tfmDirectory.Name, "MlPipeline.Host.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build MlPipeline.Host first; expected {path}", path);
        }
    }
}
