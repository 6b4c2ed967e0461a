using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Host.Apis;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>health</c>: the same Kafka report as <c>GET /api/health/kafka</c>, from outside the service. Exit 0 healthy,
/// 3 degraded (reachable, but configured topics missing or lag unreadable), 1 unreachable — so a script can wait
/// "until the broker answers" (exit code is not 1) and later require "everything in place" (exit code 0).
/// </summary>
internal static class HealthCommand
{
    public static Command Create(CommandLineContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (the shape of GET /api/health/kafka)." };
        var command = new Command("health",
            "Check Kafka: broker reachable, configured topics present, consumer group lag. " +
            "Exit 0 healthy, 3 degraded, 1 unreachable, 2 bad configuration.")
        {
            json,
        };
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            using var checker = session.CreateHealthChecker();
            var report = await checker.GetReportAsync(ct);
            if (parseResult.GetValue(json))
                await context.Console.Output.WriteLineAsync(JsonSerializer.Serialize(report, JsonDefaults.Options));
            else
                await WriteAsync(context.Console.Output, report);

            if (!report.BrokerReachable)
                await context.Console.Error.WriteLineAsync(session.Unreachable($"health check: {report.Description}"));
            return report.Status switch
            {
                HealthStatus.Healthy => ExitCodes.Success,
                HealthStatus.Degraded => ExitCodes.Degraded,
                _ => ExitCodes.Failure,
            };
        }, cancellationToken));
        return command;
    }

    private static async Task WriteAsync(TextWriter output, KafkaHealthReport report)
    {
        await output.WriteLineAsync($"{report.Status.ToString().ToLowerInvariant()}: {report.Description}");
        if (!report.BrokerReachable)
            return;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  brokers: {report.BrokerCount}, round trip {report.RoundTripMs:0.#} ms"));
        await output.WriteLineAsync($"  topics present: {report.PresentTopics.Count}, missing: " +
                                    (report.MissingTopics.Count == 0 ? "none" : string.Join(", ", report.MissingTopics)));
        foreach (var group in report.ConsumerGroups)
        {
            await output.WriteLineAsync(group.Error is null
                ? $"  consumer group {group.GroupId}: lag {group.TotalLag}"
                : $"  consumer group {group.GroupId}: lag unreadable ({group.Error})");
        }
    }
}
