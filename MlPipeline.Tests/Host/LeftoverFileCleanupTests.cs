using Microsoft.Extensions.Logging;
using MlPipeline.Core.Data.Ingestion;
using MlPipeline.Tests.Broker.Server;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host;

/// <summary>
/// A host killed mid-upload or mid-write leaves half-written files; the next start removes those older than itself,
/// logs each, and keeps everything that is whole (an upload with its ingestion record, a finished model version).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class LeftoverFileCleanupTests
{
    [Test]
    public async Task Start_RemovesTheLeftoversOfAKilledProcess_KeepsWholeFilesAndLogsEachRemoval()
    {
        using var directory = new TemporaryDirectory("leftovers");
        string Under(params string[] parts) => Path.Combine([directory.Path, .. parts]);
        var uploads = Directory.CreateDirectory(Under("data", "uploads")).FullName;
        Directory.CreateDirectory(Under("training", "jobs"));
        Directory.CreateDirectory(Under("training", "ingestions"));
        Directory.CreateDirectory(Under("models", "sales", "1"));
        await new IngestionJobStore(Under("training", "ingestions")).SaveAsync(new IngestionJob
        {
            DatasetId = "ds-kept",
            FilePath = Path.Combine(uploads, "ds-kept.csv"),
            Model = "sales",
            Label = "y",
            CreatedAt = DateTimeOffset.UtcNow,
            StartMessageId = Guid.NewGuid().ToString(),
            State = IngestionState.Completed,
        }, CancellationToken.None);
        string[] leftovers =
        [
            Old(Under("data", "uploads", "ds-killed.csv.partial")),
            Old(Under("data", "uploads", "ds-never-submitted.csv")),
            Old(Under("training", "jobs", "ds-a.pending.json.0123.tmp")),
            Old(Under("training", "ingestions", "ds-b.json.4567.tmp")),
            Old(Under("models", "sales", ".current-89ab.tmp")),
        ];
        var unfinishedVersion = Directory.CreateDirectory(Under("models", "sales", ".tmp-cdef")).FullName;
        Old(Path.Combine(unfinishedVersion, "model.zip"));
        Directory.SetLastWriteTimeUtc(unfinishedVersion, DateTime.UtcNow.AddHours(-1));
        string[] kept =
        [
            Old(Under("data", "uploads", "ds-kept.csv")),
            Old(Under("models", "sales", "1", "model.zip")),
            // Newer than the process: could be another process's write in progress.
            New(Under("data", "uploads", "ds-in-flight.csv.partial")),
        ];
        using var logs = new CapturingLoggerProvider();

        await using (await PipelineHostRunner.StartAsync(
            $"data:\n  data_dir: \"{Under("data")}\"\n  ingest_sample_on_first_start: false\n" +
            $"training:\n  data_dir: \"{Under("training")}\"\n  models_dir: \"{Under("models")}\"\n",
            addLogging: logging => logging.AddProvider(logs).AddFilter<CapturingLoggerProvider>("MlPipeline.Host.Hosting.LeftoverFileCleanup", LogLevel.Information)))
        {
        }

        var removals = logs.Entries.Where(e => e.Message.StartsWith("Removed a", StringComparison.Ordinal)).Select(e => e.Message).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(leftovers.Where(File.Exists), Is.Empty, "half-written files");
            Assert.That(Directory.Exists(unfinishedVersion), Is.False, "the unfinished model version");
            Assert.That(kept.Where(file => !File.Exists(file)), Is.Empty, "whole files and files newer than the process");
            Assert.That(removals, Has.Length.EqualTo(leftovers.Length + 1), string.Join("\n", removals));
            Assert.That(leftovers.Append(unfinishedVersion).Where(path => !removals.Any(line => line.EndsWith(path, StringComparison.Ordinal))), Is.Empty,
                "each removal is logged with its path");
        }
    }

    private static string Old(string path)
    {
        File.WriteAllText(path, "half");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        return path;
    }

    private static string New(string path)
    {
        File.WriteAllText(path, "in flight");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(1));
        return path;
    }
}
