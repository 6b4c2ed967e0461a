using MlPipeline.Benchmarks.Common;

namespace MlPipeline.Benchmarks.Soak;

/// <summary>
/// `soak`: the mixed load of issue 22 / issue 14 against the host as its own process for N minutes — Kafka and HTTP
/// predictions, <c>/api/status</c> polling, a CSV upload every few minutes — while <c>/health</c> and the broker are
/// probed every second and the host's memory, open handles, threads and error count are sampled every 10 s.
/// Exit code 1 when the host exited, a probe was missed or a prediction was lost.
/// </summary>
public sealed class SoakBenchmarkCommand : IBenchmarkCommand
{
    private const int RunFailed = 1;

    public string Name => "soak";
    public string Summary => "mixed load (Kafka + HTTP predictions, status polling, uploads) for N minutes: freezes, memory, handles (issues 14, 22)";
    public string Usage => """
        soak [--minutes N] [--upload-every-minutes M] [--first-upload-minutes F] [--kafka-per-second K] [--http-per-second H]
             [--upload-rows R] [--no-shedding]
          --minutes N                 how long the load runs (default 10)
          --upload-every-minutes M    time between uploads of --upload-rows rows for the served model (default 5)
          --first-upload-minutes F    when the first upload starts (default 1)
          --kafka-per-second K        prediction requests produced to the requests topic per second (default 300)
          --http-per-second H         POST /api/predict?wait_ms=5000 per second (default 100)
          --upload-rows R             rows per upload (default 20000)
          --no-shedding               run the host with serving.load_shedding: false
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        int minutes = 10, uploadEvery = 5, firstUpload = 1, kafka = 300, httpRate = 100, rows = 20_000;
        bool noShedding = arguments.Contains("--no-shedding");
        var parser = new BenchmarkOptionParser()
            .Int("--minutes", 1, 24 * 60, value => minutes = value)
            .Int("--upload-every-minutes", 1, 24 * 60, value => uploadEvery = value)
            .Int("--first-upload-minutes", 0, 24 * 60, value => firstUpload = value)
            .Int("--kafka-per-second", 0, 100_000, value => kafka = value)
            .Int("--http-per-second", 0, 10_000, value => httpRate = value)
            .Int("--upload-rows", 10, 10_000_000, value => rows = value);
        if (!parser.TryParse(arguments.Where(argument => argument != "--no-shedding").ToList(), out string? error))
            return BenchmarkDispatcher.RejectArguments(error!, Usage);

        var settings = new MixedLoadSettings
        {
            Duration = TimeSpan.FromMinutes(minutes),
            FirstUploadAt = TimeSpan.FromMinutes(firstUpload),
            UploadEvery = TimeSpan.FromMinutes(uploadEvery),
            KafkaPerSecond = kafka,
            HttpPerSecond = httpRate,
            UploadRows = rows,
            ExtraYaml = noShedding ? "serving:\n  load_shedding: false\n" : "",
        };
        var output = Console.Out;
        MachineFacts.Collect(null).Print(output);
        output.WriteLine($"load:      {minutes} min, Kafka {kafka}/s, HTTP {httpRate}/s (wait_ms {settings.HttpWaitMs}), GET /api/status every {settings.StatusEvery.TotalSeconds:0} s, "
                         + $"{rows:N0}-row upload at {firstUpload} min then every {uploadEvery} min; shedding {(noShedding ? "off" : "on")}");
        output.WriteLine($"probes:    /health and a broker metadata request every {settings.ProbeEvery.TotalSeconds:0} s, deadline {settings.ProbeDeadline.TotalSeconds:0} s; host sampled every {settings.SampleEvery.TotalSeconds:0} s");
        output.WriteLine();

        MixedLoadReport report;
        try
        {
            report = await new MixedLoadRun(settings, line => output.WriteLine(line)).RunAsync(HostProcess.DefaultHostAssembly(), cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or HttpRequestException or FileNotFoundException)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return RunFailed;
        }

        output.WriteLine();
        PrintSamples(report, output);
        output.WriteLine();
        output.WriteLine(report.Describe());
        bool failed = report.HostExited || report.HealthMissed > 0 || report.BrokerMissed > 0 || report.KafkaUnanswered > 0
                      || report.KafkaDuplicates > 0 || report.HttpFailed > 0 || report.HttpShedSlow > 0;
        output.WriteLine(failed ? "verdict: FAILED (see above)" : "verdict: no exit, no missed probe, no lost or duplicated prediction");
        return failed ? RunFailed : 0;
    }

    private static void PrintSamples(MixedLoadReport report, TextWriter output)
    {
        output.WriteLine("| t | RSS MiB | open fds | threads | errors | fast 503 | Kafka answered |");
        output.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var sample in report.Samples)
        {
            output.WriteLine($"| {sample.At:hh\\:mm\\:ss} | {sample.Process.RssMiB:0} | {sample.Process.OpenHandles} | {sample.Process.Threads} | {sample.Errors} | {sample.HttpShed} | {sample.KafkaAnswered} |");
        }
    }
}
