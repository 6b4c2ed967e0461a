// Stand-alone broker: `dotnet run --project MlPipeline.Broker -- --port 9092 --data-dir ./data/broker`.
// Prints exactly one line to stdout, "Listening on <host:port>", once the listener is bound (tests and
// scripts parse it; with --port 0 it is the only way to learn the port). Logs go to stderr.
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using MlPipeline.Broker;

const int BadArguments = 2;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BrokerCommandLine.Usage);
    return 0;
}
if (!BrokerCommandLine.TryParse(args, out var options, out string? error))
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(BrokerCommandLine.Usage);
    return BadArguments;
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddSimpleConsole(console => console.SingleLine = true)
    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true; // we stop ourselves, after flushing
    stop.TrySetResult();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);

await using (var server = await BrokerServer.StartAsync(options, loggerFactory))
{
    Console.Out.WriteLine($"Listening on {server.BootstrapServers}");
    Console.Out.Flush();
    await stop.Task;
}
return 0;
