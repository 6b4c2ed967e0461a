using Microsoft.Extensions.Logging;
using MlPipeline.Tests.Core.Messaging;

namespace MlPipeline.Tests.Host;

[Parallelizable(ParallelScope.All)]
public sealed class GracefulStopTests
{
    [Test]
    public async Task Stop_EmbeddedBroker_KafkaClientsCloseBeforeTheBrokerWithoutErrors()
    {
        var recorder = new RecordingLoggerProvider();
        var host = await PipelineHostRunner.StartAsync(addLogging: logging => logging.AddProvider(recorder));
        // Every long-lived client is connected once the Kafka health check answered healthy (admin, watermark reader;
        // the producer connects when created).
        Assert.That(
            async () => (await host.Client.GetAsync("/api/health/kafka")).IsSuccessStatusCode,
            Is.True.After(20_000, 100));
        var warningsBeforeStop = recorder.Entries.Count;

        await host.DisposeAsync();

        // Before the fix every client logged "Disconnected" / "Connection refused" once the embedded broker was gone.
        var clientComplaints = recorder.Entries.Skip(warningsBeforeStop)
            .Select(entry => entry.TryGetValue("{OriginalFormat}", out var format) ? format as string : null)
            .Where(format => format is not null && (format.StartsWith("librdkafka", StringComparison.Ordinal) || format.StartsWith("Kafka client", StringComparison.Ordinal)))
            .ToList();
        Assert.That(clientComplaints, Is.Empty);
    }
}
